import { allStepIds, validateWorkflowDefinition, type Step } from '@weft/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { draftOffline, OFFLINE_DRAFT_NOTE } from './offline-drafter';

/** Step types in order; a container shows its nested steps: `loop(bash)`. */
function shape(steps: readonly Step[]): string[] {
  return steps.map((step) => {
    if (step.type === 'loop') return `loop(${shape(step.steps).join(',')})`;
    if (step.type === 'conditional') return `conditional(${shape(step.then).join(',')})`;
    return step.type;
  });
}

function expectValid(definition: unknown): void {
  const result = validateWorkflowDefinition(definition);
  expect(result, JSON.stringify(result)).toEqual({ ok: true, definition });
}

interface Case {
  prompt: string;
  cron?: string;
  webhook?: true;
  types: string[];
  ids?: string[];
  check?: (steps: Step[]) => void;
}

const step = (steps: readonly Step[], index: number): Step => steps[index]!;

const CASES: Case[] = [
  {
    prompt: 'every weekday at 9, summarise open issues, ask me before posting',
    cron: '0 9 * * 1-5',
    types: ['bash', 'agent_prompt', 'approval', 'notify'],
    ids: ['list_issues', 'summarize', 'ask_approval', 'post_summary'],
    check: (steps) => {
      expect(step(steps, 1)).toMatchObject({ prompt: expect.stringContaining('{{ steps.list_issues.output.stdout }}') });
      expect(step(steps, 2)).toMatchObject({ message: expect.stringContaining('{{ steps.summarize.output.text }}') });
      // "ask me": the person asking approves their own run.
      expect(step(steps, 2)).toMatchObject({ allowSelfApproval: true });
      expect(step(steps, 3)).toMatchObject({ message: '{{ steps.summarize.output.text }}' });
    },
  },
  {
    prompt: 'every 15 minutes run `curl -s https://example.com/health`',
    cron: '*/15 * * * *',
    types: ['bash'],
    ids: ['curl_health'],
    check: (steps) => expect(step(steps, 0)).toMatchObject({ command: 'curl -s https://example.com/health' }),
  },
  {
    prompt: 'when a webhook arrives, ask an agent to triage the payload and notify me',
    webhook: true,
    types: ['agent_prompt', 'notify'],
    ids: ['triage_payload', 'notify'],
    check: (steps) => {
      expect(step(steps, 0)).toMatchObject({ prompt: expect.stringContaining('{{ trigger }}') });
      expect(step(steps, 1)).toMatchObject({ message: '{{ steps.triage_payload.output.text }}' });
    },
  },
  {
    prompt: 'for each of the repos api, web and docs run `git -C {{item}} pull`',
    types: ['loop(bash)'],
    ids: ['each_repo', 'git_pull'],
    check: (steps) => {
      expect(step(steps, 0)).toMatchObject({ over: ['api', 'web', 'docs'], steps: [{ command: 'git -C {{item}} pull' }] });
    },
  },
  {
    prompt: 'wait 10 minutes then notify me',
    types: ['wait', 'notify'],
    ids: ['wait_10_minutes', 'notify'],
    check: (steps) => expect(step(steps, 0)).toMatchObject({ seconds: 600 }),
  },
  {
    prompt: 'every monday at 10am ask claude to write a weekly report',
    cron: '0 10 * * 1',
    types: ['agent_prompt'],
    ids: ['write_weekly_report'],
    check: (steps) => expect(step(steps, 0)).toMatchObject({ prompt: 'Write a weekly report.' }),
  },
  {
    prompt: 'every day at 7:30 check disk space and tell me',
    cron: '30 7 * * *',
    types: ['bash', 'notify'],
    ids: ['check_disk', 'notify'],
    check: (steps) => {
      expect(step(steps, 0)).toMatchObject({ command: 'df -h' });
      expect(step(steps, 1)).toMatchObject({ message: expect.stringContaining('{{ steps.check_disk.output.stdout }}') });
    },
  },
  {
    prompt: 'daily at 6pm fetch https://api.example.com/status and summarise it',
    cron: '0 18 * * *',
    types: ['http', 'agent_prompt'],
    ids: ['fetch_status', 'summarize'],
    check: (steps) => {
      expect(step(steps, 0)).toMatchObject({ method: 'GET', url: 'https://api.example.com/status' });
      expect(step(steps, 1)).toMatchObject({ prompt: expect.stringContaining('{{ steps.fetch_status.output.body }}') });
    },
  },
  { prompt: 'on mondays and fridays at 8 run `./backup.sh`', cron: '0 8 * * 1,5', types: ['bash'], ids: ['backup'] },
  {
    prompt: 'every hour check memory usage and post to slack webhook https://hooks.slack.com/services/T000/B000/XXX',
    cron: '0 * * * *',
    types: ['bash', 'notify'],
    ids: ['check_memory', 'post_to_slack'],
    check: (steps) => expect(step(steps, 1)).toMatchObject({ channel: { webhookUrl: 'https://hooks.slack.com/services/T000/B000/XXX' } }),
  },
  {
    prompt: 'every morning summarise the open pull requests and send me a message',
    cron: '0 9 * * *',
    types: ['bash', 'agent_prompt', 'notify'],
    ids: ['list_prs', 'summarize', 'post_summary'],
  },
  {
    prompt: 'weekly, run `npm audit` and ask claude to analyse the results',
    cron: '0 9 * * 1',
    types: ['bash', 'agent_prompt'],
    ids: ['npm_audit', 'analyze'],
    check: (steps) => expect(step(steps, 1)).toMatchObject({ prompt: expect.stringContaining('{{ steps.npm_audit.output.stdout }}') }),
  },
  {
    prompt: 'on the 1st of every month at 9 ask an agent to draft the monthly invoice summary',
    cron: '0 9 1 * *',
    types: ['agent_prompt'],
    ids: ['draft_monthly_invoice'],
  },
  { prompt: 'at midnight run `./cleanup.sh`', cron: '0 0 * * *', types: ['bash'], ids: ['cleanup'] },
  {
    prompt: "every evening post a summary of today's commits",
    cron: '0 18 * * *',
    types: ['bash', 'agent_prompt', 'notify'],
    ids: ['recent_commits', 'summarize', 'post_summary'],
  },
  {
    prompt: 'run `make deploy` but wait for my approval first',
    types: ['approval', 'bash'],
    ids: ['ask_approval', 'make_deploy'],
    check: (steps) => expect(step(steps, 0)).toMatchObject({ message: expect.stringContaining('make deploy') }),
  },
  {
    prompt: 'monthly: loop over the servers web1, web2 and db1 and run `ping -c 1 {{ item }}`',
    cron: '0 9 1 * *',
    types: ['loop(bash)'],
    ids: ['each_server', 'ping'],
  },
  {
    prompt: 'GET https://api.github.com/repos/acme/app/releases/latest then post the result to the chat',
    types: ['http', 'notify'],
    ids: ['fetch_releases_latest', 'notify'],
    check: (steps) => expect(step(steps, 1)).toMatchObject({ message: expect.stringContaining('{{ steps.fetch_releases_latest.output.body }}') }),
  },
  {
    prompt: 'please do something clever with the quarterly numbers',
    types: ['agent_prompt'],
    ids: ['ask_agent'],
    check: (steps) => expect(step(steps, 0)).toMatchObject({ prompt: 'please do something clever with the quarterly numbers' }),
  },
  {
    prompt: 'wait until 2025-06-01T09:00:00Z then run `./release.sh` and notify me',
    types: ['wait', 'bash', 'notify'],
    ids: ['wait_until', 'release', 'notify'],
    check: (steps) => expect(step(steps, 0)).toMatchObject({ until: '2025-06-01T09:00:00Z' }),
  },
  {
    prompt: 'for every item in the list alpha, beta and gamma, ask me to confirm and then run `deploy {{ item }}`',
    types: ['loop(approval,bash)'],
    ids: ['each_item', 'ask_approval', 'deploy'],
  },
  {
    prompt: 'every sunday at 8pm analyse errors and warnings in the error logs and email me',
    cron: '0 20 * * 0',
    types: ['bash', 'agent_prompt', 'notify'],
    ids: ['read_error_logs', 'analyze_errors_warnings', 'notify'],
  },
  {
    prompt: 'draft a workflow that every weekday at 9 lists open issues and asks me before posting a summary',
    cron: '0 9 * * 1-5',
    types: ['bash', 'agent_prompt', 'approval', 'notify'],
    ids: ['list_issues', 'summarize', 'ask_approval', 'post_summary'],
    check: (steps) => expect(step(steps, 2)).toMatchObject({ message: expect.stringContaining('{{ steps.summarize.output.text }}') }),
  },
];

describe('draftOffline: typical requests', () => {
  it('has at least 20 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES)('$prompt', ({ prompt, cron, webhook, types, ids, check }) => {
    const draft = draftOffline({ prompt });
    expectValid(draft.definition);
    expect(shape(draft.definition.steps)).toEqual(types);
    if (ids !== undefined) expect(allStepIds(draft.definition)).toEqual(ids);
    if (cron !== undefined) expect(draft.trigger).toEqual({ type: 'schedule', schedule: { cron, timezone: 'UTC' } });
    else if (webhook === true) expect(draft.trigger).toEqual({ type: 'webhook' });
    else expect(draft.trigger).toBeUndefined();
    expect(draft.definition.name.length).toBeLessThanOrEqual(60);
    expect(draft.definition.description).toBe(prompt);
    expect(draft.notes[0]).toBe(OFFLINE_DRAFT_NOTE);
    check?.(draft.definition.steps);
    // Deterministic: the same request gives the very same draft.
    expect(draftOffline({ prompt })).toEqual(draft);
  });
});

describe('draftOffline: details', () => {
  it('lets the asker approve only when they asked to be asked', () => {
    const approval = (prompt: string) => draftOffline({ prompt }).definition.steps.find((s) => s.type === 'approval');
    expect(approval('run `make deploy` and let me approve it first')).toMatchObject({ allowSelfApproval: true });
    expect(approval('run `make deploy` after approval')).toBeDefined();
    expect(approval('run `make deploy` after approval')).not.toHaveProperty('allowSelfApproval');
  });

  it('uses the timezone option, or one named in the request', () => {
    expect(draftOffline({ prompt: 'every day at 8 run `date`', timezone: 'Europe/Paris' }).trigger).toEqual({
      type: 'schedule',
      schedule: { cron: '0 8 * * *', timezone: 'Europe/Paris' },
    });
    expect(draftOffline({ prompt: 'every day at 8 in America/New_York time run `date`' }).trigger).toEqual({
      type: 'schedule',
      schedule: { cron: '0 8 * * *', timezone: 'America/New_York' },
    });
  });

  it('falls back to one honest agent step, with the request made literal', () => {
    const draft = draftOffline({ prompt: 'think about {{ the universe' });
    expectValid(draft.definition);
    expect(draft.definition.steps).toEqual([{ id: 'ask_agent', name: 'Ask the agent', type: 'agent_prompt', prompt: 'think about {{ "{{" }} the universe' }]);
    expect(draft.notes.join('\n')).toMatch(/\[offline\]/);
  });

  it('drafts something valid even for an empty request', () => {
    const draft = draftOffline({ prompt: '   ' });
    expectValid(draft.definition);
    expect(draft.definition.name).toBe('Untitled workflow');
  });

  it('keeps `{{ }}` a command cannot use as literal text rather than failing', () => {
    const draft = draftOffline({ prompt: 'run `echo {{ steps.nowhere.output }}`' });
    expectValid(draft.definition);
    expect(draft.definition.steps).toMatchObject([{ type: 'bash', command: 'echo {{ "{{" }} steps.nowhere.output {{ "}}" }}' }]);
    expect(draft.notes.join('\n')).toMatch(/literal/);
  });

  it('declares an input for a loop over a list it was not given', () => {
    const draft = draftOffline({ prompt: 'for each server run `ping -c 1 {{ item }}`' });
    expectValid(draft.definition);
    expect(draft.definition.inputs).toEqual({ servers: { type: 'array', description: 'The servers to loop over', required: true } });
    expect(draft.definition.steps).toMatchObject([{ type: 'loop', over: 'inputs.servers' }]);
  });

  it('loops over an earlier http body', () => {
    const draft = draftOffline({ prompt: 'fetch https://example.com/api/users, then for each result ask claude to write a welcome note' });
    expectValid(draft.definition);
    expect(shape(draft.definition.steps)).toEqual(['http', 'loop(agent_prompt)']);
    expect(draft.definition.steps[1]).toMatchObject({ over: 'steps.fetch_users.output.body' });
  });

  it('fetches a URL before asking the agent about it (an agent cannot open links)', () => {
    const draft = draftOffline({ prompt: 'ask claude to summarise https://example.com/blog' });
    expectValid(draft.definition);
    expect(draft.definition.steps).toMatchObject([
      { id: 'fetch_blog', type: 'http', url: 'https://example.com/blog' },
      { id: 'summarize', type: 'agent_prompt', prompt: expect.stringContaining('{{ steps.fetch_blog.output.body }}') },
    ]);
  });

  it('loops over the earlier output that names the items, split by an agent step', () => {
    const draft = draftOffline({ prompt: 'summarise open issues, then for each issue ask claude to triage it' });
    expectValid(draft.definition);
    expect(shape(draft.definition.steps)).toEqual(['bash', 'agent_prompt', 'agent_prompt', 'loop(agent_prompt)']);
    expect(draft.definition.steps[2]).toMatchObject({
      id: 'list_items',
      prompt: expect.stringContaining('{{ steps.list_issues.output.stdout }}'),
      output: { schema: { type: 'object' } },
    });
    expect(draft.definition.steps[3]).toMatchObject({ over: 'steps.list_items.output.structured.items' });
  });

  it('says what it did not understand', () => {
    const draft = draftOffline({ prompt: 'run `make` and then frobnicate the widgets. Then notify me' });
    expectValid(draft.definition);
    expect(shape(draft.definition.steps)).toEqual(['bash', 'notify']);
    expect(draft.notes).toContain('not understood offline, left out: "frobnicate the widgets"');
  });

  it('notes conditions it does not turn into steps, and a missing command', () => {
    const draft = draftOffline({ prompt: 'run the backup and tell me if it fails' });
    expectValid(draft.definition);
    expect(draft.definition.steps[0]).toMatchObject({ type: 'bash', command: expect.stringContaining('exit 1') });
    expect(draft.notes.join('\n')).toMatch(/no command was given/);
    expect(draft.notes.join('\n')).toMatch(/condition "if it fails"/);
  });

  it('leaves "draft a workflow that" out of the name and the steps', () => {
    const draft = draftOffline({ prompt: 'Can you create a workflow that checks disk space and notifies me?' });
    expectValid(draft.definition);
    expect(draft.definition.name).toBe('Checks disk space and notifies me');
    expect(allStepIds(draft.definition)).toEqual(['check_disk', 'notify']);
  });

  it('names the workflow when asked', () => {
    expect(draftOffline({ prompt: 'run `uptime` and call it Uptime check' }).definition.name).toBe('Uptime check');
  });

  it('always produces a valid definition, whatever the request (property)', () => {
    const words = fc.constantFrom(
      'every',
      'day',
      'at',
      '9',
      'run',
      '`ls`',
      'summarise',
      'open issues',
      'ask me before posting',
      'notify me',
      'for each of',
      'a, b and c',
      'wait',
      '5 minutes',
      'then',
      ',',
      'and',
      'https://example.com/x',
      'webhook',
      'when a webhook arrives',
      '{{',
      '}}',
      '"hi"',
      'monday',
      'post',
      'fetch',
      'loop over',
      'the results',
      'until',
      '2025-01-01',
      'weekly',
      'if',
      '.',
      'approve',
      'disk space',
      '[1, 2]',
      'call it',
      'x',
    );
    fc.assert(
      fc.property(fc.array(words, { maxLength: 14 }), fc.string({ maxLength: 20 }), (parts, noise) => {
        const draft = draftOffline({ prompt: `${parts.join(' ')} ${noise}` });
        expect(validateWorkflowDefinition(draft.definition).ok).toBe(true);
        expect(draft.definition.steps.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('what the offline drafter leaves out', () => {
  it('lists a condition it does not draft, and names the draft with a short title', () => {
    const draft = draftOffline({ prompt: 'Every morning at 9, check disk usage with `df -h` and if any disk is over 80%, notify me' });
    expect(draft.unhandled).toEqual(['if any disk is over 80%']);
    expect(draft.understood).toBe(true);
    expect(draft.definition.name).toBe('Check disk usage with `df -h`');
  });

  it('lists the clauses it could not read', () => {
    expect(draftOffline({ prompt: 'run `make` and then frobnicate the widgets. Then notify me' }).unhandled).toEqual(['frobnicate the widgets']);
  });

  it('says it did not understand a request it cannot read at all', () => {
    const draft = draftOffline({ prompt: 'frobnicate the widgets please' });
    expect(draft).toMatchObject({ understood: false, unhandled: ['frobnicate the widgets please'] });
  });

  it('leaves a refine it cannot read unchanged and lists the request', () => {
    const base = draftOffline({ prompt: 'run `uptime`' }).definition;
    const refined = draftOffline({ prompt: 'make it sparkle', baseDraft: base });
    expect(refined.definition).toEqual(base);
    expect(refined.unhandled).toEqual(['make it sparkle']);
  });
});
