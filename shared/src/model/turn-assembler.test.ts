import { describe, expect, it } from 'vitest';
import type { TurnEvent } from './stream-events';
import { createTurnAssembler } from './turn-assembler';

/** One turn whose only block is a tool call the provider sent without an id. */
function turnWithoutToolId(input: string) {
  const events: TurnEvent[] = [];
  const a = createTurnAssembler((e) => events.push(e));
  a.feed({ type: 'message_start', message: {} } as never);
  a.feed({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', name: 'workspace:bash' } } as never);
  a.feed({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: input } } as never);
  a.feed({ type: 'content_block_stop', index: 0 } as never);
  return { result: a.result(), events };
}

describe('turn assembler: tool calls without a provider id', () => {
  it('gives each turn its own id, so ask keys of two turns never collide', () => {
    const first = turnWithoutToolId('{"command":"rm -rf build"}');
    const second = turnWithoutToolId('{"command":"rm -rf build"}');
    const id1 = (first.result.content[0] as { id: string }).id;
    const id2 = (second.result.content[0] as { id: string }).id;
    expect(id1).not.toBe(id2);
    expect(id1).toMatch(/^toolu_weft_[0-9a-f]{32}_0$/);
  });

  it('announces the same id it stores in the content (what the checkpoint keeps)', () => {
    const { result, events } = turnWithoutToolId('{}');
    const start = events.find((e) => e.kind === 'tool_start') as Extract<TurnEvent, { kind: 'tool_start' }>;
    expect(start.id).toBe((result.content[0] as { id: string }).id);
  });

  it('keeps the provider id when there is one', () => {
    const a = createTurnAssembler();
    a.feed({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_abc', name: 'x' } } as never);
    a.feed({ type: 'content_block_stop', index: 0 } as never);
    expect((a.result().content[0] as { id: string }).id).toBe('toolu_abc');
  });
});
