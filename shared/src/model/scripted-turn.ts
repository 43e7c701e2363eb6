import type { ProviderKind, TurnResult } from './provider';
import type { StreamEvent, TurnEvent } from './stream-events';
import { createTurnAssembler } from './turn-assembler';

type ScriptedBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

/** The Messages API stream events that carry `content`, as a model would send them. */
function streamEventsFor({ model, content }: { model: string; content: ScriptedBlock[] }): StreamEvent[] {
  const events: StreamEvent[] = [{ type: 'message_start', message: { model, usage: { input_tokens: 0, output_tokens: 0 } } }];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  const stopReason = content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
  events.push({ type: 'message_delta', delta: { stop_reason: stopReason }, usage: { output_tokens: 0 } });
  events.push({ type: 'message_stop' });
  return events;
}

/**
 * A turn whose content is known up front (the offline providers, test fakes), streamed to
 * `onEvent` through the same assembler as a model's stream, so callers see no difference.
 */
export function scriptedTurn({
  provider,
  model,
  content,
  onEvent,
}: {
  provider: ProviderKind;
  model: string;
  content: ScriptedBlock[];
  onEvent?: ((e: TurnEvent) => void) | undefined;
}): TurnResult {
  const assembler = createTurnAssembler(onEvent);
  for (const event of streamEventsFor({ model, content })) assembler.feed(event);
  const r = assembler.result();
  return {
    provider,
    model: r.model ?? model,
    content: r.content,
    text: r.text,
    usage: r.usage,
    stopReason: r.stopReason,
    attempts: 1,
    structuredNative: false,
  };
}
