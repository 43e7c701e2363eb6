import { createMessageBuilder, runToolLoop, type ChatMessage, type ToolOutcome } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { createOfflineAssistantProvider, OFFLINE_DRAFTED, OFFLINE_NO_MODEL } from './offline-assistant';

const tools = ['workflows:list_workflows', 'workflows:draft_workflow'].map((name) => ({ name, description: name, inputSchema: { type: 'object' } }));

/** One assistant reply through the shared loop, with the offline provider and scripted tool outcomes. */
async function reply(
  content: string,
  outcome: (name: string, input: unknown) => ToolOutcome = () => ({ output: [], isError: false }),
  history: ChatMessage[] = [],
) {
  const message = createMessageBuilder({ onDelta: () => {} });
  const calls: { name: string; input: unknown }[] = [];
  const r = await runToolLoop({
    provider: createOfflineAssistantProvider(),
    messages: [...history, { role: 'user', content }],
    tools,
    maxTurns: 8,
    signal: { aborted: false },
    message: () => message,
    callTool: async ({ name, input }) => {
      calls.push({ name, input });
      return outcome(name, input);
    },
  });
  const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  return { r, calls, text, parts: message.parts };
}

describe('the offline assistant provider', () => {
  it('lists workflows through the list tool and names them', async () => {
    const { calls, text, parts, r } = await reply('which workflows do I have?', () => ({
      output: [
        { id: 'wf_1', name: 'Backup' },
        { id: 'wf_2', name: 'Disk check' },
      ],
      isError: false,
    }));
    expect(calls).toEqual([{ name: 'workflows:list_workflows', input: {} }]);
    expect(text).toBe('[offline] Workflows: Backup, Disk check.');
    expect(parts.map((p) => p.type)).toEqual(['tool_call', 'tool_result', 'text']);
    expect(r).toMatchObject({ model: 'offline', attempts: 2, usage: { inputTokens: 0, outputTokens: 0 }, final: { provider: 'offline' } });
  });

  it('says so when there are none, and reads names from a list cut short for the model', async () => {
    expect((await reply('list my workflows')).text).toBe('[offline] There are no workflows yet.');
    const many = Array.from({ length: 2000 }, (_, i) => ({ id: `wf_${i}`, name: `Flow "${i}"`, version: 1, updatedAt: '2025-01-01T00:00:00.000Z' }));
    const { text } = await reply('show all workflows', () => ({ output: many, isError: false }));
    expect(text.startsWith('[offline] Workflows: Flow "0", Flow "1", ')).toBe(true);
  });

  it('drafts through the draft tool with the whole request, and says the rule-based drafter made it', async () => {
    const request = 'draft a workflow that every weekday at 9 runs `df -h`';
    const { calls, text } = await reply(request, () => ({ output: { definition: {} }, isError: false }));
    expect(calls).toEqual([{ name: 'workflows:draft_workflow', input: { prompt: request } }]);
    expect(text).toBe(OFFLINE_DRAFTED);
  });

  it('names what a draft leaves out, and says when it could read nothing', async () => {
    const partial = await reply('create a workflow that runs `df -h` and if a disk is full tells me', () => ({
      output: { definition: {}, unhandled: ['if a disk is full'], understood: true },
      isError: false,
    }));
    expect(partial.text).toBe(
      '[offline] The rule-based offline drafter drafted only part of this. Not in this draft: if a disk is full. Add those steps in the editor, or describe them another way.',
    );
    const unread = await reply('create a workflow to frobnicate', () => ({
      output: { definition: {}, unhandled: ['frobnicate'], understood: false },
      isError: false,
    }));
    expect(unread.text).toMatch(/could not read this request, so there is no draft\. Start from a template/);
  });

  it('reports a failed draft with the tool error', async () => {
    const { text } = await reply('create a workflow', () => ({ output: { error: 'prompt: too long' }, isError: true }));
    expect(text).toBe('[offline] I could not draft that: prompt: too long');
  });

  it('answers anything else with the no-model notice and calls nothing, whatever came before', async () => {
    const { calls, text } = await reply('hello there', undefined, [
      { role: 'user', content: 'list my workflows' },
      { role: 'assistant', content: '[offline] There are no workflows yet.' },
    ]);
    expect(calls).toEqual([]);
    expect(text).toBe(OFFLINE_NO_MODEL);
  });
});

describe('the offline assistant asked to act on what exists', () => {
  it.each([
    ['run the disk check', '[offline] To run a workflow, type /run disk check (add key=value inputs after the name); type / to pick one.'],
    ['please run my Backup workflow now', '[offline] To run a workflow, type /run Backup (add key=value inputs after the name); type / to pick one.'],
    ['run it again', '[offline] To run a workflow, type /run <workflow> (add key=value inputs after the name); type / to pick one.'],
    ['why did it fail?', '[offline] To see why a run failed, type /why (the latest failed run of this chat) or /why <run id>.'],
    [
      'can you fix the failed run?',
      '[offline] To fix a failed run, type /fix (the latest failed run of this chat) or /fix <run id>: its failed step, error, log and the steps that fed it, and a re-run with the same inputs.',
    ],
    ['show me the recent runs', '[offline] To list recent runs, type /runs, or /runs <workflow> for one workflow.'],
    ['approve it', "[offline] To decide this chat's pending approvals, type /approve or /deny (a comment may follow)."],
    ['delete the backup workflow', '[offline] I do not delete anything without a model: open the workflow from Automation → Workflows and delete it there.'],
  ])('%s → one line naming the command, no tool call, no draft', async (content, expected) => {
    const { calls, text } = await reply(content);
    expect(calls).toEqual([]);
    expect(text).toBe(expected);
  });

  it('still drafts a description of a new workflow that mentions running or deleting', async () => {
    const request = 'every night run `find /tmp -mtime +7 -delete` and notify me';
    const { calls } = await reply(request, () => ({ output: { definition: {} }, isError: false }));
    expect(calls).toEqual([{ name: 'workflows:draft_workflow', input: { prompt: request } }]);
  });
});
