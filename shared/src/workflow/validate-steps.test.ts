import { describe, expect, it } from 'vitest';
import { STEP_TYPES } from '../steps/types';
import { errorsOf, expectError, expectValid, minimal, workflow } from './validate-test-helpers';

describe('step types', () => {
  it.each(STEP_TYPES)('accepts the minimal %s step', (type) => {
    expectValid(workflow(minimal[type]));
  });

  it('lists the allowed types for an unknown type, and nothing else about that step', () => {
    const errors = errorsOf(workflow({ id: 'x', type: 'foo', command: 1, bogus: true }));
    expect(errors).toEqual([
      { path: 'steps[0].type', message: 'unknown step type "foo"; allowed: agent_prompt, bash, notify, http, conditional, loop, approval, wait, tool' },
    ]);
  });

  it('says so when the type is missing or not a string', () => {
    expect(errorsOf(workflow({ id: 'x', command: 'a' }))).toEqual([
      { path: 'steps[0].type', message: expect.stringMatching(/^missing step type; allowed: agent_prompt/) },
    ]);
    expectError(workflow({ id: 'x', type: 3 }), 'steps[0].type', /^step type must be a string; allowed:/);
  });

  it('rejects a step that is not an object', () => {
    expectError(workflow('bash'), 'steps[0]', /expected an object, got a string/);
    expectError(workflow(null), 'steps[0]', /expected an object, got null/);
  });

  it('names each unknown key at its own path, with a suggestion for typos', () => {
    const errors = errorsOf(workflow({ id: 'a', type: 'bash', comand: 'x', command: 'y', wat: 1 }));
    expect(errors).toEqual([
      { path: 'steps[0].comand', message: expect.stringMatching(/^unknown key "comand"$/) },
      { path: 'steps[0].wat', message: 'unknown key "wat"' },
    ]);
    expectError(workflow({ id: 'a', type: 'bash', comand: 'x' }), 'steps[0].comand', /did you mean "command"\?/);
    expectError(workflow({ id: 'a', type: 'bash', command: 'x' }, { id: 'b', type: 'notify', mesage: 'x' }), 'steps[1].mesage', /did you mean "message"/);
  });

  describe('agent_prompt', () => {
    it.each([
      [{ id: 's', type: 'agent_prompt' }, 'steps[0].prompt', /required/],
      [{ id: 's', type: 'agent_prompt', prompt: '' }, 'steps[0].prompt', /must not be empty/],
      [{ id: 's', type: 'agent_prompt', prompt: 'Hi {{ ' }, 'steps[0].prompt', /invalid template: unterminated/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', system: '{{ }}' }, 'steps[0].system', /empty/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', model: '' }, 'steps[0].model', /must not be empty/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', timeoutSeconds: 3601 }, 'steps[0].timeoutSeconds', /at most 3600 seconds for an agent_prompt/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', output: {} }, 'steps[0].output.schema', /required/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', output: { schema: [] } }, 'steps[0].output.schema', /must be a JSON object/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', output: { schema: {}, strict: true } }, 'steps[0].output.strict', /unknown key/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', workspace: {} }, 'steps[0].workspace', /./],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', workspace: { git: { url: '' } } }, 'steps[0].workspace.git.url', /must not be empty/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', workspace: { shared: '../up' } }, 'steps[0].workspace.shared', /must be 1-64 characters/],
      [
        { id: 's', type: 'agent_prompt', prompt: 'x', toolPolicy: { 'workspace:bash': 'sometimes' } },
        'steps[0].toolPolicy["workspace:bash"]',
        /allow|ask|deny/,
      ],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', toolPolicy: { 'no spaces': 'allow' } }, 'steps[0].toolPolicy["no spaces"]', /pattern/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', limits: { maxTurns: 0 } }, 'steps[0].limits.maxTurns', /./],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', limits: { maxWall: 3 } }, 'steps[0].limits.maxWall', /unknown key/],
      [{ id: 's', type: 'agent_prompt', prompt: 'x', persona: { system: 'x' } }, 'steps[0].persona.name', /required/],
    ])('%j -> %s', (step, path, message) => {
      expectError(workflow(step), path, message);
    });

    it('accepts all fields, timeout 3600 and an arbitrary JSON Schema', () => {
      expectValid(
        workflow({
          id: 's',
          type: 'agent_prompt',
          prompt: 'Classify {{ inputs.text }}',
          system: 'You are terse.',
          model: 'claude-sonnet',
          timeoutSeconds: 3600,
          output: { schema: { type: 'object', properties: { label: { type: 'string', enum: ['a', 'b'] } }, required: ['label'] } },
        }),
      );
    });

    it('accepts a workspace, a tool policy, approvers, a persona and limits', () => {
      for (const workspace of [
        { git: { url: 'https://github.com/acme/app.git', ref: 'main', depth: 1, integration: 'github' } },
        { path: '/srv/checkouts/app' },
        { shared: 'notes' },
      ]) {
        expectValid(
          workflow({
            id: 's',
            type: 'agent_prompt',
            prompt: 'Fix the failing test',
            tools: ['workspace:*', 'agent:ask_user'],
            workspace,
            toolPolicy: { 'workspace:bash': 'allow', 'github:*': 'ask', '*': 'deny' },
            approvers: { roles: ['admin'] },
            persona: { name: 'Fixer', system: 'You fix tests.' },
            limits: { maxTurns: 30, maxTokens: 100_000 },
          }),
        );
      }
    });
  });

  describe('bash', () => {
    it.each([
      [{ id: 's', type: 'bash' }, 'steps[0].command', /required/],
      [{ id: 's', type: 'bash', command: '' }, 'steps[0].command', /must not be empty/],
      [{ id: 's', type: 'bash', command: 'echo {{ a ? b : c }}' }, 'steps[0].command', /conditional expressions/],
      [{ id: 's', type: 'bash', command: 'x', cwd: '' }, 'steps[0].cwd', /must not be empty/],
      [{ id: 's', type: 'bash', command: 'x', env: { 'BAD-NAME': 'x' } }, 'steps[0].env["BAD-NAME"]', /environment variable name/],
      [{ id: 's', type: 'bash', command: 'x', env: { A: 1 } }, 'steps[0].env.A', /expected a string/],
      [{ id: 's', type: 'bash', command: 'x', env: { A: '{{ x' } }, 'steps[0].env.A', /unterminated/],
      [{ id: 's', type: 'bash', command: 'echo `cat {{ inputs.f }}`' }, 'steps[0].command', /^\{\{ \}\} at character 10 is inside backticks/],
      [{ id: 's', type: 'bash', command: 'echo $(( {{ inputs.n }} + 1 ))' }, 'steps[0].command', /inside shell arithmetic/],
      [{ id: 's', type: 'bash', command: 'x', env: { WEFT_ARG_1: 'x' } }, 'steps[0].env.WEFT_ARG_1', /is set by Weft/],
      [{ id: 's', type: 'bash', command: 'x', env: { WEFT_RUN_DIR: '/' } }, 'steps[0].env.WEFT_RUN_DIR', /is set by Weft/],
    ])('%j -> %s', (step, path, message) => {
      expectError(workflow(step), path, message);
    });

    it('accepts cwd and env templates', () => {
      expectValid(
        workflow({ id: 's', type: 'bash', command: 'make', cwd: '/srv/{{ inputs.app }}', env: { TOKEN: '{{ inputs.token }}', _X1: '', WEFT_MARK: 'x' } }),
      );
    });

    it('accepts {{ }} bare and in any quotes', () => {
      expectValid(workflow({ id: 's', type: 'bash', command: `echo {{ inputs.a }} "{{ inputs.b }}" '{{ inputs.c }}' $'{{ inputs.d }}'` }));
    });
  });

  describe('notify', () => {
    it.each([
      [{ id: 's', type: 'notify' }, 'steps[0].message', /required/],
      [
        { id: 's', type: 'notify', message: 'x', channel: 'email' },
        'steps[0].channel',
        /"session", "<integration>:<channel>" \(like "slack:#ops"\) or \{ "webhookUrl"/,
      ],
      [{ id: 's', type: 'notify', message: 'x', channel: 'Slack:ops room' }, 'steps[0].channel', /like "slack:#ops"/],
      [{ id: 's', type: 'notify', message: 'x', level: 'loud' }, 'steps[0].level', /info/],
      [{ id: 's', type: 'notify', message: 'x', channel: { webhookUrl: 'ftp://x' } }, 'steps[0].channel.webhookUrl', /must be an http\(s\) URL/],
      [{ id: 's', type: 'notify', message: 'x', channel: { url: 'https://x' } }, 'steps[0].channel', /"session", "<integration>:<channel>"/],
    ])('%j -> %s', (step, path, message) => {
      expectError(workflow(step), path, message);
    });

    it('accepts the session channel and a webhook URL', () => {
      expectValid(workflow({ id: 's', type: 'notify', message: 'x', channel: 'session' }));
      expectValid(workflow({ id: 's', type: 'notify', message: 'x', channel: 'slack:#ops', title: 'Run {{ 1 }}', level: 'error' }));
      expectValid(workflow({ id: 's', type: 'notify', message: 'x', channel: 'team_chat:C0123' }));
      expectValid(workflow({ id: 's', type: 'notify', message: 'x', channel: { webhookUrl: 'https://hooks.example.com/T1?x=1' } }));
    });
  });

  describe('http', () => {
    it.each([
      [{ id: 's', type: 'http', url: 'https://x.test' }, 'steps[0].method', /required/],
      [{ id: 's', type: 'http', method: 'get', url: 'https://x.test' }, 'steps[0].method', /must be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"/],
      [{ id: 's', type: 'http', method: 'GET' }, 'steps[0].url', /required/],
      [{ id: 's', type: 'http', method: 'GET', url: 'ftp://x.test' }, 'steps[0].url', /http\(s\) URL/],
      [{ id: 's', type: 'http', method: 'GET', url: 'example.com' }, 'steps[0].url', /http\(s\) URL/],
      [{ id: 's', type: 'http', method: 'GET', url: 'https://x.test/{{ a.b( }}' }, 'steps[0].url', /invalid template/],
      [{ id: 's', type: 'http', method: 'GET', url: 'https://x.test', headers: { 'Bad Header': 'x' } }, 'steps[0].headers["Bad Header"]', /header name/],
      [{ id: 's', type: 'http', method: 'GET', url: 'https://x.test', headers: { A: '{{' } }, 'steps[0].headers.A', /unterminated/],
      [{ id: 's', type: 'http', method: 'POST', url: 'https://x.test', body: { a: [1, { b: 'x {{ y' }] } }, 'steps[0].body.a[1].b', /unterminated/],
    ])('%j -> %s', (step, path, message) => {
      expectError(workflow(step), path, message);
    });

    it('accepts a templated URL, headers and any JSON body', () => {
      expectValid(
        workflow({
          id: 's',
          type: 'http',
          method: 'POST',
          url: '{{ inputs.base_url }}/items',
          headers: { Authorization: 'Bearer {{ inputs.token }}', 'X-Request-Id': 'abc' },
          body: { name: '{{ inputs.name }}', count: 2, tags: ['a', null, true], nested: { deep: ['{{ inputs.name }}'] } },
        }),
      );
      for (const body of [null, 'text {{ inputs.x }}', 3, [1, 2], false]) {
        expectValid(workflow({ id: 's', type: 'http', method: 'PUT', url: 'http://localhost:8080/', body }));
      }
    });
  });

  describe('conditional', () => {
    it.each([
      [{ id: 's', type: 'conditional', then: [minimal.wait] }, 'steps[0].condition', /required/],
      [{ id: 's', type: 'conditional', condition: 'a |', then: [minimal.wait] }, 'steps[0].condition', /invalid expression/],
      [{ id: 's', type: 'conditional', condition: 'true' }, 'steps[0].then', /required/],
      [{ id: 's', type: 'conditional', condition: 'true', then: [] }, 'steps[0].then', /at least 1 item/],
      [{ id: 's', type: 'conditional', condition: 'true', then: [minimal.wait], else: {} }, 'steps[0].else', /expected an array/],
    ])('%j -> %s', (step, path, message) => {
      expectError(workflow(step), path, message);
    });

    it('accepts an else branch, empty or not', () => {
      expectValid(workflow({ ...minimal.conditional, else: [] }));
      expectValid(workflow({ ...minimal.conditional, else: [{ id: 'e', type: 'wait', seconds: 1 }] }));
    });
  });

  describe('loop', () => {
    const body = [{ id: 't', type: 'bash', command: 'x' }];
    it.each([
      [{ id: 's', type: 'loop', steps: body }, 'steps[0].over', /required/],
      [{ id: 's', type: 'loop', over: 3, steps: body }, 'steps[0].over', /must be an expression string or a JSON array/],
      [{ id: 's', type: 'loop', over: 'a(', steps: body }, 'steps[0].over', /invalid expression: Expected \)/],
      [{ id: 's', type: 'loop', over: { a: 1 }, steps: body }, 'steps[0].over', /must be an expression string or a JSON array/],
      [{ id: 's', type: 'loop', over: [], steps: [] }, 'steps[0].steps', /at least 1 item/],
      [{ id: 's', type: 'loop', over: [] }, 'steps[0].steps', /required/],
      [{ id: 's', type: 'loop', over: [], as: 'steps', steps: body }, 'steps[0].as', /"steps" is reserved/],
      [{ id: 's', type: 'loop', over: [], as: 'loop', steps: body }, 'steps[0].as', /reserved/],
      [{ id: 's', type: 'loop', over: [], as: '1x', steps: body }, 'steps[0].as', /must be an identifier/],
      [{ id: 's', type: 'loop', over: [], maxIterations: 0, steps: body }, 'steps[0].maxIterations', /at least 1/],
      [{ id: 's', type: 'loop', over: [], maxIterations: 10001, steps: body }, 'steps[0].maxIterations', /at most 10000/],
      [{ id: 's', type: 'loop', over: [], maxIterations: 2.5, steps: body }, 'steps[0].maxIterations', /an integer/],
      [{ id: 's', type: 'loop', over: [1, 2, 3], maxIterations: 2, steps: body }, 'steps[0].maxIterations', /"over" has 3 items but maxIterations is 2/],
      [
        { id: 's', type: 'loop', over: Array.from({ length: 1001 }, (_, i) => i), steps: body },
        'steps[0].over',
        /1001 items but maxIterations is 1000 \(the default\)/,
      ],
    ])('%j -> %s', (step, path, message) => {
      expectError(workflow(step), path, message);
    });

    it('accepts an expression, an as name, and maxIterations bounds', () => {
      expectValid(
        workflow({
          id: 's',
          type: 'loop',
          over: 'inputs.regions',
          as: 'region',
          maxIterations: 10000,
          steps: [{ id: 't', type: 'bash', command: 'deploy {{ region }}' }],
        }),
      );
      expectValid(workflow({ id: 's', type: 'loop', over: [1, 2, 3], maxIterations: 3, steps: body }));
      expectValid(workflow({ id: 's', type: 'loop', over: Array.from({ length: 1000 }, (_, i) => i), steps: body }));
    });
  });

  describe('approval', () => {
    it.each([
      [{ id: 's', type: 'approval' }, 'steps[0].message', /required/],
      [{ id: 's', type: 'approval', message: 'x', approvers: { users: [] } }, 'steps[0].approvers.users', /at least 1 item/],
      [{ id: 's', type: 'approval', message: 'x', approvers: [''] }, 'steps[0].approvers.users[0]', /must not be empty/],
      [{ id: 's', type: 'approval', message: 'x', approvers: { roles: ['boss'] } }, 'steps[0].approvers.roles[0]', /must be one of/],
      [{ id: 's', type: 'approval', message: 'x', approvers: { groups: ['a'] } }, 'steps[0].approvers.groups', /unknown key "groups"/],
      [{ id: 's', type: 'approval', message: 'x', minApprovals: 0 }, 'steps[0].minApprovals', /at least 1/],
      [{ id: 's', type: 'approval', message: 'x', minApprovals: 1.5 }, 'steps[0].minApprovals', /integer/],
      [{ id: 's', type: 'approval', message: 'x', allowSelfApproval: 'yes' }, 'steps[0].allowSelfApproval', /expected a boolean/],
      [{ id: 's', type: 'approval', message: 'x', onDeny: 'skip' }, 'steps[0].onDeny', /must be one of "fail", "continue"/],
      [{ id: 's', type: 'approval', message: 'x', onTimeout: 'continue' }, 'steps[0].onTimeout', /must be one of "fail", "approve", "deny"/],
    ])('%j -> %s', (step, path, message) => {
      expectError(workflow(step), path, message);
    });

    it('accepts every option', () => {
      expectValid(
        workflow({
          id: 's',
          type: 'approval',
          message: 'Ship {{ inputs.v }}?',
          approvers: { users: ['ada', 'bob@example.com'], roles: ['admin'] },
          minApprovals: 2,
          allowSelfApproval: true,
          timeoutSeconds: 60,
          onDeny: 'continue',
          onTimeout: 'approve',
        }),
      );
    });
  });

  it('reads a plain approvers list, as saved before approver rules, as named users', () => {
    expectValid(workflow({ id: 's', type: 'approval', message: 'x', approvers: ['ada'] }));
  });

  describe('wait', () => {
    it.each([
      [{ id: 's', type: 'wait' }, 'steps[0].seconds', /exactly one of "seconds" or "until"/],
      [{ id: 's', type: 'wait', seconds: 1, until: '2030-01-01T00:00:00Z' }, 'steps[0].until', /not both/],
      [{ id: 's', type: 'wait', seconds: 0 }, 'steps[0].seconds', /greater than 0/],
      [{ id: 's', type: 'wait', until: '2030-01-01T00:00:00' }, 'steps[0].until', /ISO 8601 date-time with an offset or Z/],
      [{ id: 's', type: 'wait', until: 'tomorrow' }, 'steps[0].until', /ISO 8601/],
      [{ id: 's', type: 'wait', seconds: 100, timeoutSeconds: 10 }, 'steps[0].timeoutSeconds', /waits 100 seconds but times out after 10/],
    ])('%j -> %s', (step, path, message) => {
      expectError(workflow(step), path, message);
    });

    it('accepts until with Z or an offset', () => {
      expectValid(workflow({ id: 's', type: 'wait', until: '2030-01-01T09:00:00Z' }));
      expectValid(workflow({ id: 's', type: 'wait', until: '2030-01-01T09:00:00.123+02:00' }));
    });
  });
});

describe('nesting', () => {
  it('reports paths through then, else and loop bodies', () => {
    const input = workflow(
      minimal.bash,
      { id: 'b', type: 'wait', seconds: 1 },
      {
        id: 'c',
        type: 'conditional',
        condition: 'true',
        then: [{ id: 'd', type: 'bash', command: '' }],
        else: [{ id: 'e', type: 'loop', over: [1], steps: [{ id: 'f', type: 'notify', message: 'x', extra: 1 }] }],
      },
    );
    const errors = errorsOf(input);
    expect(errors).toContainEqual({ path: 'steps[2].then[0].command', message: 'must not be empty' });
    expect(errors).toContainEqual({ path: 'steps[2].else[0].steps[0].extra', message: 'unknown key "extra"' });
  });

  it('reports an unknown type deep inside', () => {
    expectError(
      workflow({ id: 'c', type: 'conditional', condition: 'true', then: [{ id: 'd', type: 'loop', over: [1], steps: [{ id: 'e', type: 'sleep' }] }] }),
      'steps[0].then[0].steps[0].type',
      /unknown step type "sleep"/,
    );
  });
});
