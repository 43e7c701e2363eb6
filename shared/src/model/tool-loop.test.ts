import { describe, expect, it } from 'vitest';
import { applyMessageDelta, type Message, type MessageDelta } from '../chat/message';
import { createMessageBuilder, type BuiltDelta } from '../chat/message-builder';
import type { ModelProvider, TurnRequest } from './provider';
import { scriptedTurn } from './scripted-turn';
import { MAX_TOOL_RESULT_BYTES, MAX_TOOL_RESULT_CHARS, TRUNCATED_PREVIEW_CHARS, capToolResult, runToolLoop, type ToolLoopOptions } from './tool-loop';

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

/** A provider that answers each turn with the next scripted content, and records what it was asked. */
function fakeProvider(turns: Block[][], { failover }: { failover?: { failedModel: string; nextModel: string; partial: string } } = {}) {
  const requests: TurnRequest[] = [];
  const provider: ModelProvider = {
    kind: 'anthropic',
    model: 'claude-a',
    async turn(req) {
      requests.push({ ...req, messages: [...req.messages] });
      const content = turns[requests.length - 1];
      if (!content) throw new Error(`no turn ${requests.length} scripted`);
      if (failover && requests.length === 1) {
        // The first model streams part of an answer, then fails; the next one answers in full.
        req.onEvent?.({ kind: 'text', blockIndex: 0, text: failover.partial });
        req.onFailover?.({ failedModel: failover.failedModel, nextModel: failover.nextModel, error: new Error('overloaded') });
      }
      const turn = scriptedTurn({
        provider: 'anthropic',
        model: failover && requests.length === 1 ? failover.nextModel : 'claude-a',
        content,
        onEvent: req.onEvent,
      });
      return { ...turn, usage: { inputTokens: 10, outputTokens: 5 } };
    },
  };
  return { provider, requests };
}

/** A message built by the loop, checked against what a client rebuilds from the deltas alone. */
function recordedMessage() {
  const deltas: BuiltDelta[] = [];
  const builder = createMessageBuilder({ onDelta: (d) => deltas.push(d) });
  const replayed = () => {
    let message: Message = { id: 'm', sessionId: 's', role: 'assistant', parts: [], status: 'streaming', deltaSeq: 0, createdAt: '' };
    for (const d of deltas) message = applyMessageDelta(message, { messageId: 'm', ...d } satisfies MessageDelta).message;
    return message.parts;
  };
  return { builder, deltas, replayed };
}

const list = { name: 'workflows:list_workflows', description: 'List workflows', inputSchema: { type: 'object' } };
const never = { aborted: false };

function options(over: Partial<ToolLoopOptions> & Pick<ToolLoopOptions, 'provider' | 'message'>): ToolLoopOptions {
  return {
    messages: [{ role: 'user', content: 'what do I have?' }],
    tools: [list],
    maxTurns: 5,
    signal: never,
    callTool: async () => ({ output: null, isError: false }),
    ...over,
  };
}

describe('runToolLoop', () => {
  it('runs a tool call, sends its result back, and ends with the final text', async () => {
    const { provider, requests } = fakeProvider([
      [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'tu_1', name: 'workflows__list_workflows', input: { limit: 2 } },
      ],
      [{ type: 'text', text: 'You have two.' }],
    ]);
    const msg = recordedMessage();
    const calls: unknown[] = [];
    const r = await runToolLoop(
      options({
        provider,
        message: () => msg.builder,
        callTool: async (call) => {
          calls.push({ name: call.name, input: call.input });
          return { output: [{ name: 'a' }, { name: 'b' }], isError: false, after: [{ type: 'finish', reason: 'shown' }] };
        },
      }),
    );
    // The model sees `__` names; the tool runs under its Weft name.
    expect(requests[0]!.tools).toEqual([{ name: 'workflows__list_workflows', description: 'List workflows', input_schema: { type: 'object' } }]);
    expect(calls).toEqual([{ name: 'workflows:list_workflows', input: { limit: 2 } }]);
    expect(requests[1]!.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: JSON.stringify([{ name: 'a' }, { name: 'b' }]), is_error: false }],
    });
    expect(r.final?.text).toBe('You have two.');
    expect(r).toMatchObject({ attempts: 2, usage: { inputTokens: 20, outputTokens: 10 }, model: 'claude-a' });
    expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(msg.builder.parts).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_call', id: 'tu_1', name: 'workflows:list_workflows', input: { limit: 2 }, inputText: '{"limit":2}', status: 'succeeded' },
      { type: 'tool_result', toolCallId: 'tu_1', output: [{ name: 'a' }, { name: 'b' }], isError: false },
      { type: 'finish', reason: 'shown' },
      { type: 'text', text: 'You have two.' },
    ]);
    expect(msg.replayed()).toEqual(msg.builder.parts);
    expect(msg.deltas.map((d) => d.deltaSeq)).toEqual(msg.deltas.map((_, i) => i + 1));
  });

  it('feeds a tool error back to the model as an error result and carries on', async () => {
    const { provider, requests } = fakeProvider([
      [{ type: 'tool_use', id: 'tu_1', name: 'workflows__delete_workflow', input: { id: 'wf_1' } }],
      [{ type: 'text', text: 'It was refused.' }],
    ]);
    const msg = recordedMessage();
    const states: string[] = [];
    const r = await runToolLoop(
      options({
        provider,
        message: () => msg.builder,
        callTool: async ({ onWaiting }) => {
          onWaiting();
          states.push((msg.builder.parts[0] as { status: string }).status);
          return { output: { error: 'denied by owner', code: 'tool_call_denied' }, isError: true };
        },
      }),
    );
    expect(states).toEqual(['waiting']);
    expect(requests[1]!.messages.at(-1)!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'tu_1', content: '{"error":"denied by owner","code":"tool_call_denied"}', is_error: true },
    ]);
    expect(msg.builder.parts.slice(0, 2)).toMatchObject([
      { type: 'tool_call', status: 'failed' },
      { type: 'tool_result', toolCallId: 'tu_1', isError: true },
    ]);
    expect(r.final?.text).toBe('It was refused.');
  });

  it('stops after maxTurns turns that still call tools, with no final turn', async () => {
    const use: Block[] = [{ type: 'tool_use', id: 'tu', name: 'workflows__list_workflows', input: {} }];
    const { provider, requests } = fakeProvider([use, use, use, use]);
    const msg = recordedMessage();
    let calls = 0;
    const r = await runToolLoop(options({ provider, message: () => msg.builder, maxTurns: 3, callTool: async () => ({ output: ++calls, isError: false }) }));
    expect(r.final).toBeNull();
    expect(requests).toHaveLength(3);
    expect(calls).toBe(3);
    expect(r.attempts).toBe(3);
  });

  it('starts no turn once the signal is aborted, and no further turn after a tool call', async () => {
    const { provider, requests } = fakeProvider([
      [{ type: 'tool_use', id: 'tu', name: 'workflows__list_workflows', input: {} }],
      [{ type: 'text', text: 'never' }],
    ]);
    const msg = recordedMessage();
    await expect(runToolLoop(options({ provider, message: () => msg.builder, signal: { aborted: true } }))).rejects.toMatchObject({ name: 'AbortError' });
    expect(requests).toHaveLength(0);

    const signal = { aborted: false };
    await expect(
      runToolLoop(
        options({
          provider,
          message: () => msg.builder,
          signal,
          callTool: async () => {
            signal.aborted = true;
            return { output: null, isError: false };
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(requests).toHaveLength(1);
  });

  it('a throwing tool ends the loop with its error', async () => {
    const { provider } = fakeProvider([[{ type: 'tool_use', id: 'tu', name: 'workflows__list_workflows', input: {} }]]);
    const msg = recordedMessage();
    await expect(
      runToolLoop(options({ provider, message: () => msg.builder, callTool: async () => Promise.reject(new Error('socket closed')) })),
    ).rejects.toThrow('socket closed');
  });

  it('after a failover streams into the message the caller hands it next, and counts the attempt', async () => {
    const { provider } = fakeProvider([[{ type: 'text', text: 'Answer from b.' }]], {
      failover: { failedModel: 'claude-a', nextModel: 'claude-b', partial: 'half an ans' },
    });
    const first = recordedMessage();
    const second = recordedMessage();
    let current = first.builder;
    const failovers: unknown[] = [];
    const r = await runToolLoop(
      options({
        provider,
        message: () => current,
        onFailover: (info) => {
          failovers.push(info);
          current = second.builder;
        },
      }),
    );
    expect(failovers).toEqual([{ failedModel: 'claude-a', nextModel: 'claude-b' }]);
    expect(first.builder.parts).toEqual([{ type: 'text', text: 'half an ans' }]);
    expect(second.builder.parts).toEqual([{ type: 'text', text: 'Answer from b.' }]);
    expect(r).toMatchObject({ attempts: 2, model: 'claude-b' });
  });

  it('offers no tools when given none, passes the model, system and output schema through, and cuts long results', async () => {
    const { provider, requests } = fakeProvider([[{ type: 'tool_use', id: 'tu', name: 'x__y', input: {} }], [{ type: 'text', text: '{}' }]]);
    const msg = recordedMessage();
    const schema = { type: 'object' };
    await runToolLoop(
      options({
        provider,
        message: () => msg.builder,
        tools: [],
        model: 'claude-z',
        system: 'be brief',
        outputSchema: schema,
        callTool: async () => ({ output: 'x'.repeat(MAX_TOOL_RESULT_CHARS * 2), isError: false }),
      }),
    );
    expect(requests[0]).not.toHaveProperty('tools');
    expect(requests[0]).toMatchObject({ model: 'claude-z', system: 'be brief', outputSchema: schema });
    const result = (requests[1]!.messages.at(-1)!.content as { content: string }[])[0]!;
    expect(result.content).toHaveLength(MAX_TOOL_RESULT_CHARS);
  });

  it('stores a result larger than MAX_TOOL_RESULT_BYTES in the message as its truncated form', async () => {
    const { provider } = fakeProvider([[{ type: 'tool_use', id: 'tu', name: 'x__y', input: {} }], [{ type: 'text', text: 'ok' }]]);
    const msg = recordedMessage();
    const big = { text: 'x'.repeat(MAX_TOOL_RESULT_BYTES) };
    await runToolLoop(options({ provider, message: () => msg.builder, callTool: async () => ({ output: big, isError: false }) }));
    const stored = msg.builder.parts.find((p) => p.type === 'tool_result') as { output: unknown };
    expect(stored.output).toEqual({ truncated: true, bytes: JSON.stringify(big).length, preview: JSON.stringify(big).slice(0, TRUNCATED_PREVIEW_CHARS) });
  });

  it('capToolResult counts UTF-8 bytes of the JSON text and keeps what fits as it is', () => {
    const fits = { t: 'é'.repeat(100) };
    expect(capToolResult(fits, 1000)).toBe(fits);
    // 400 two-byte characters: 400 characters of JSON text, but more than 800 bytes.
    expect(capToolResult({ t: 'é'.repeat(400) }, 800)).toMatchObject({ truncated: true, bytes: 400 * 2 + 8 });
    expect(capToolResult({ t: '😀'.repeat(10) }, 30)).toMatchObject({ truncated: true, bytes: 40 + 8 });
    expect(capToolResult(undefined)).toBeNull();
  });

  it('reports each turn, tool result and round, and a throw from onProgress ends the loop', async () => {
    const two = [
      { type: 'tool_use' as const, id: 'a', name: 'workflows__list_workflows', input: {} },
      { type: 'tool_use' as const, id: 'b', name: 'workflows__list_workflows', input: {} },
    ];
    const { provider } = fakeProvider([two, [{ type: 'text', text: 'done' }]]);
    const msg = recordedMessage();
    const seen: { kind: string; open: number | null; messages: number; tokens: number }[] = [];
    await runToolLoop(
      options({
        provider,
        message: () => msg.builder,
        onProgress: (p) => {
          seen.push({ kind: p.kind, open: p.openRound?.length ?? null, messages: p.messages.length, tokens: p.usage.inputTokens + p.usage.outputTokens });
        },
      }),
    );
    expect(seen).toEqual([
      { kind: 'turn', open: 0, messages: 2, tokens: 15 },
      { kind: 'tool_result', open: 1, messages: 2, tokens: 15 },
      { kind: 'tool_result', open: 2, messages: 2, tokens: 15 },
      { kind: 'round', open: null, messages: 3, tokens: 15 },
      { kind: 'turn', open: null, messages: 3, tokens: 30 },
    ]);

    const calls: string[] = [];
    const again = fakeProvider([two, [{ type: 'text', text: 'never' }]]);
    await expect(
      runToolLoop(
        options({
          provider: again.provider,
          message: () => recordedMessage().builder,
          callTool: async ({ id }) => {
            calls.push(id);
            return { output: null, isError: false };
          },
          onProgress: (p) => {
            if (p.kind === 'turn') throw new Error('over budget');
          },
        }),
      ),
    ).rejects.toThrow('over budget');
    expect(calls).toEqual([]);
  });

  it('resumes an open round: runs only the calls without a result, then asks the model again', async () => {
    const { provider, requests } = fakeProvider([[{ type: 'text', text: 'finished' }]]);
    const msg = recordedMessage();
    const calls: string[] = [];
    const done = { type: 'tool_result', tool_use_id: 'a', content: '"ok"', is_error: false };
    const r = await runToolLoop(
      options({
        provider,
        message: () => msg.builder,
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'a', name: 'workflows__list_workflows', input: {} },
              { type: 'tool_use', id: 'b', name: 'workflows__list_workflows', input: { n: 2 } },
            ],
          },
        ],
        openRound: [done],
        callTool: async ({ id, input }) => {
          calls.push(id);
          return { output: input, isError: false };
        },
      }),
    );
    expect(calls).toEqual(['b']);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.messages.at(-1)).toEqual({
      role: 'user',
      content: [done, { type: 'tool_result', tool_use_id: 'b', content: '{"n":2}', is_error: false }],
    });
    expect(r.final?.text).toBe('finished');
    expect(msg.replayed().map((p) => p.type)).toEqual(['tool_call', 'tool_result', 'text']);
  });
});
