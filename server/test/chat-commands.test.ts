import { messageText } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedExecution } from './helpers/executions';
import { startFakeAnthropic, textTurn, toolTurn, type FakeAnthropic } from './helpers/fake-anthropic';
import { waitUntil } from './helpers/live-client';
import { startRunner, type RunnerProcess } from './helpers/runner-process';
import { startServer, type TestServer } from './helpers/server';

/** Chat commands typed as messages: offline (no model) with a real runner, and the model path's tools. */

let s: TestServer;
let runner: RunnerProcess;
let fake: FakeAnthropic;
let model: TestServer;
beforeAll(async () => {
  s = await startServer();
  runner = startRunner({ url: s.url, token: s.runnerToken, dataDir: s.dataDir });
  fake = await startFakeAnthropic();
  model = await startServer({ env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await runner.kill();
  await s.close();
  await model.close();
  await fake.close();
});

const DISK_CHECK = {
  name: 'Disk check',
  inputs: { host: { type: 'string', required: true }, limit: { type: 'number', default: 80 } },
  steps: [{ id: 'check', type: 'bash', command: 'echo "checking $HOST over $LIMIT"', env: { HOST: '{{ inputs.host }}', LIMIT: '{{ inputs.limit }}' } }],
};
const BROKEN = {
  name: 'Broken build',
  steps: [
    { id: 'prepare', type: 'bash', command: 'echo ready' },
    { id: 'compile', type: 'bash', command: 'for i in 1 2 3 4 5; do echo "line $i"; done; echo "cc: fatal error" >&2; exit 3' },
  ],
};

async function newChat(server: TestServer) {
  return (await server.request('POST', '/api/sessions', { body: {} })).body as { id: string; title: string };
}

/** Posts a message and answers the finished reply. */
async function ask(server: TestServer, sessionId: string, content: string) {
  const posted = await server.request('POST', `/api/sessions/${sessionId}/messages`, { body: { content } });
  expect(posted.status).toBe(202);
  return finalReply(server, sessionId, posted.body.assistantMessageId);
}

async function finalReply(server: TestServer, sessionId: string, messageId: string) {
  let msg: any;
  await waitUntil(
    async () => {
      msg = (await server.request('GET', `/api/sessions/${sessionId}/messages?limit=200`)).body.messages.find((m: any) => m.id === messageId);
      return msg !== undefined && msg.status !== 'streaming';
    },
    30_000,
    'command reply',
  );
  return { msg, text: messageText(msg), links: msg.parts.filter((p: any) => p.type === 'link') };
}

async function pendingToolApproval(server: TestServer, sessionId: string) {
  let pending: any;
  await waitUntil(async () => {
    pending = (await server.request('GET', `/api/approvals?status=pending&sessionId=${sessionId}`)).body.approvals.find((a: any) => a.kind === 'tool');
    return pending !== undefined;
  });
  return pending;
}

describe('chat commands without a model', () => {
  it('/run asks like the assistant, /approve starts it in this chat with typed inputs, and the reply links the workflow and the run', async () => {
    const wf = (await s.request('POST', '/api/workflows', { body: { definition: DISK_CHECK } })).body;
    const chat = await newChat(s);
    const posted = await s.request('POST', `/api/sessions/${chat.id}/messages`, { body: { content: '/run disk check host=web-1 limit=90' } });
    const pending = await pendingToolApproval(s, chat.id);
    expect(pending.tool).toEqual({ name: 'workflows:run_workflow', arguments: { id: wf.id, inputs: { host: 'web-1', limit: 90 }, sessionId: chat.id } });
    // Nothing ran before the person said yes.
    expect((await s.request('GET', `/api/executions?workflowId=${wf.id}`)).body.executions).toEqual([]);

    const approved = await ask(s, chat.id, '/approve');
    expect(approved.text).toBe('Approved the call workflows:run_workflow.');
    const run = await finalReply(s, chat.id, posted.body.assistantMessageId);
    expect(run.text).toMatch(/^Starting Disk check needs your approval: use the card below, or type \/approve\.\nStarted Disk check as run ex_\S+\. /);
    const runLink = run.links.find((l: any) => l.target.kind === 'execution');
    expect(run.links[0]).toEqual({ type: 'link', text: 'Disk check', target: { kind: 'workflow', id: wf.id } });
    const ex = await finishedExecution(s, runLink.target.id);
    expect(ex).toMatchObject({ status: 'succeeded', sessionId: chat.id, inputs: { host: 'web-1', limit: 90 } });
    expect(ex.steps[0].output.stdout).toBe('checking web-1 over 90\n');
    // The chat is named after the workflow it ran.
    expect((await s.request('GET', `/api/sessions/${chat.id}`)).body.title).toBe('disk check');
  });

  it('/why names the failed step, its error and the last lines of its log, with links; /runs lists runs', async () => {
    const wf = (await s.request('POST', '/api/workflows', { body: { definition: BROKEN } })).body;
    const chat = await newChat(s);
    const started = await s.request('POST', `/api/workflows/${wf.id}/run`, { body: { sessionId: chat.id } });
    await finishedExecution(s, started.body.executionId);

    const why = await ask(s, chat.id, '/why');
    const ex = started.body.executionId;
    expect(why.text.split('\n')[0]).toMatch(new RegExp(`^Run ${ex} of Broken build failed at step compile: .*exit.*3`));
    expect(why.text).toContain('\nLast lines of its log:\nline 1\nline 2\nline 3\nline 4\nline 5\ncc: fatal error');
    expect(why.links).toEqual([
      { type: 'link', text: ex, target: { kind: 'execution', id: ex } },
      { type: 'link', text: 'Broken build', target: { kind: 'workflow', id: wf.id } },
      { type: 'link', text: 'compile', target: { kind: 'execution', id: ex, stepId: 'compile' } },
    ]);
    expect((await ask(s, chat.id, `/why ${ex}`)).text).toBe(why.text);

    const runs = await ask(s, chat.id, '/runs broken');
    expect(runs.text).toMatch(new RegExp(`^Latest runs of Broken build:\\n• ${ex} Broken build — failed, `));
  });

  it('answers unknown commands, bad arguments and unknown names with a sentence, never an error status', async () => {
    const chat = await newChat(s);
    expect((await ask(s, chat.id, '/deploy prod')).text).toBe('/deploy is not a command. Type /help to see the commands.');
    expect((await ask(s, chat.id, '/run')).text).toMatch(/^name the workflow to run\. Usage: \/run <workflow>/);
    expect((await ask(s, chat.id, '/run no such thing')).text).toMatch(/^No workflow is named "no such thing"\. Workflows: /);
    expect((await ask(s, chat.id, '/why ex_missing')).text).toBe('/why: execution ex_missing not found');
    expect((await ask(s, chat.id, '/approve')).text).toBe('Nothing in this chat is waiting for an approval. Other chats and runs: see Approvals.');
    const help = await ask(s, chat.id, '/help');
    expect(help.text).toContain('/run <workflow> [key=value … | JSON] — Start a workflow in this chat');
    // A first message that names nothing leaves the title alone.
    expect((await s.request('GET', `/api/sessions/${chat.id}`)).body.title).toBe('New chat');
  });

  it('/deny denies a waiting step approval of this chat as the person', async () => {
    const wf = (
      await s.request('POST', '/api/workflows', {
        body: {
          definition: {
            name: 'Gated',
            steps: [
              { id: 'ok', type: 'approval', message: 'Go?', allowSelfApproval: true },
              { id: 'after', type: 'bash', command: 'echo no' },
            ],
          },
        },
      })
    ).body;
    const chat = await newChat(s);
    const started = await s.request('POST', `/api/workflows/${wf.id}/run`, { body: { sessionId: chat.id } });
    await waitUntil(async () => (await s.request('GET', `/api/executions/${started.body.executionId}`)).body.status === 'waiting');
    const denied = await ask(s, chat.id, '/deny not today');
    expect(denied.text).toBe(`Denied step ok of run ${started.body.executionId}.`);
    const ex = await finishedExecution(s, started.body.executionId);
    expect(ex.status).toBe('denied');
    const approval = (await s.request('GET', `/api/approvals?executionId=${ex.id}`)).body.approvals[0];
    expect(approval.decision).toMatchObject({ decision: 'deny', decidedBy: 'owner', comment: 'not today' });
  });
});

describe('/approve with several approvals waiting', () => {
  it('approves none of them and lists them, so a card the person did not read is never approved with the rest; /deny denies all', async () => {
    const wf = (await s.request('POST', '/api/workflows', { body: { definition: { ...DISK_CHECK, name: 'Two asks' } } })).body;
    const chat = await newChat(s);
    const first = await s.request('POST', `/api/sessions/${chat.id}/messages`, { body: { content: '/run two asks host=a' } });
    const second = await s.request('POST', `/api/sessions/${chat.id}/messages`, { body: { content: '/run two asks host=b' } });
    await waitUntil(async () => (await s.request('GET', `/api/approvals?status=pending&sessionId=${chat.id}`)).body.approvals.length === 2);
    const refused = await ask(s, chat.id, '/approve');
    expect(refused.text).toBe(
      '2 approvals are waiting in this chat: the call workflows:run_workflow and the call workflows:run_workflow. Approve each on its card, where it shows what it allows; /deny denies them all.',
    );
    expect((await s.request('GET', `/api/approvals?status=pending&sessionId=${chat.id}`)).body.approvals).toHaveLength(2);
    const denied = await ask(s, chat.id, '/deny');
    expect(denied.text).toMatch(/^Denied the call workflows:run_workflow and the call workflows:run_workflow\.$/);
    await finalReply(s, chat.id, first.body.assistantMessageId);
    await finalReply(s, chat.id, second.body.assistantMessageId);
    expect((await s.request('GET', `/api/executions?workflowId=${wf.id}`)).body.executions).toEqual([]);
  });
});

describe('chat titles, rename and delete', () => {
  it('titles a chat from its first request, renames it, and deletes it while its runs stay', async () => {
    const chat = await newChat(s);
    await ask(s, chat.id, 'hello there, what can you do for me on this fine morning with all these servers?');
    expect((await s.request('GET', `/api/sessions/${chat.id}`)).body.title).toBe('hello there, what can you do for me on this fine morning…');

    const renamed = await s.request('PATCH', `/api/sessions/${chat.id}`, { body: { title: '  Ops  ' } });
    expect(renamed).toMatchObject({ status: 200, body: { id: chat.id, title: 'Ops' } });
    expect((await s.request('PATCH', `/api/sessions/${chat.id}`, { body: { title: '' } })).body.error).toMatchObject({ code: 'validation_failed' });
    expect((await s.request('PATCH', `/api/sessions/${chat.id}`, { body: { title: 'x', other: 1 } })).status).toBe(422);
    expect((await s.request('PATCH', '/api/sessions/ses_nope', { body: { title: 'x' } })).status).toBe(404);

    const wf = (await s.request('POST', '/api/workflows', { body: { definition: { name: 'Quick', steps: [{ id: 'a', type: 'bash', command: 'echo a' }] } } }))
      .body;
    const started = await s.request('POST', `/api/workflows/${wf.id}/run`, { body: { sessionId: chat.id } });
    await finishedExecution(s, started.body.executionId);

    expect((await s.request('DELETE', `/api/sessions/${chat.id}`)).status).toBe(204);
    expect((await s.request('GET', `/api/sessions/${chat.id}`)).status).toBe(404);
    expect((await s.request('GET', '/api/sessions')).body.sessions.map((x: any) => x.id)).not.toContain(chat.id);
    expect((await s.request('GET', `/api/executions/${started.body.executionId}`)).body).toMatchObject({ status: 'succeeded', sessionId: null });
    const events = (await s.request('GET', '/api/events?topic=sessions&limit=1000')).body.events;
    expect(events.at(-1)).toMatchObject({ type: 'session.deleted', data: { id: chat.id } });
    expect((await s.request('DELETE', `/api/sessions/${chat.id}`)).status).toBe(404);
  });

  it('refuses to delete a chat with a run in progress, and a waiting /run is stopped by the delete', async () => {
    const wf = (
      await s.request('POST', '/api/workflows', {
        body: { definition: { name: 'Held', steps: [{ id: 'gate', type: 'approval', message: 'Go?', allowSelfApproval: true }] } },
      })
    ).body;
    const busy = await newChat(s);
    const started = await s.request('POST', `/api/workflows/${wf.id}/run`, { body: { sessionId: busy.id } });
    await waitUntil(async () => (await s.request('GET', `/api/executions/${started.body.executionId}`)).body.status === 'waiting');
    const refused = await s.request('DELETE', `/api/sessions/${busy.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'session_busy', message: expect.stringContaining('1 run in progress') });
    await s.request('POST', `/api/executions/${started.body.executionId}/cancel`);
    expect((await s.request('DELETE', `/api/sessions/${busy.id}`)).status).toBe(204);

    const asking = await newChat(s);
    await s.request('POST', `/api/sessions/${asking.id}/messages`, { body: { content: '/run Held' } });
    const pending = await pendingToolApproval(s, asking.id);
    expect((await s.request('DELETE', `/api/sessions/${asking.id}`)).status).toBe(204);
    expect((await s.request('GET', `/api/approvals/${pending.id}`)).body).toMatchObject({ status: 'closed', closed: { reason: 'call_canceled' } });
  });
});

describe('with a model, plain words reach the same tools', () => {
  it('"why did it fail?" calls explain_execution and the answer is written from its result', async () => {
    const wf = (await model.request('POST', '/api/workflows', { body: { definition: BROKEN } })).body;
    const chat = await newChat(model);
    // The model server has no runner: the run is failed by hand through a cancel, which explain reads too.
    const started = await model.request('POST', `/api/workflows/${wf.id}/run`, { body: { sessionId: chat.id } });
    await model.request('POST', `/api/executions/${started.body.executionId}/cancel`);
    fake.setScript([
      { kind: 'stream', events: toolTurn([{ id: 'toolu_why', name: 'workflows__explain_execution', input: {} }]) },
      { kind: 'stream', events: textTurn('It was canceled.') },
    ]);
    const reply = await ask(model, chat.id, 'why did it fail?');
    expect(reply.msg.parts[0]).toMatchObject({ type: 'tool_call', name: 'workflows:explain_execution', status: 'succeeded' });
    expect(reply.msg.parts[1].output).toMatchObject({ executionId: started.body.executionId, status: 'canceled', workflowName: 'Broken build' });
    expect(fake.requests[0]!.body.tools.map((t: any) => t.name)).toEqual(
      expect.arrayContaining(['workflows__run_workflow', 'workflows__list_executions', 'workflows__explain_execution', 'workflows__approve_execution']),
    );
  });

  it('a command is answered without asking the model', async () => {
    const chat = await newChat(model);
    fake.requests.length = 0;
    expect((await ask(model, chat.id, '/runs')).text).toMatch(/^Latest runs:|^No runs yet\./);
    expect(fake.requests).toHaveLength(0);
  });
});
