import type { TestServer } from './server';

/** Inserts an execution row directly, for tests that need one before the engine exists in them. */
export async function seedExecution(s: TestServer, { sessionId, definition }: { sessionId: string | null; definition?: unknown }) {
  const def = definition ?? {
    name: 'Seed',
    steps: [
      { id: 'fetch', type: 'bash', command: 'echo 1' },
      { id: 'each', type: 'loop', over: [1, 2], steps: [{ id: 'think', type: 'agent_prompt', prompt: 'hi {{ item }}' }] },
    ],
  };
  const wf = await s.request('POST', '/api/workflows', { body: { definition: def } });
  if (wf.status !== 201) throw new Error(`seed workflow failed: ${JSON.stringify(wf.body)}`);
  const id = `ex_seed_${Math.random().toString(36).slice(2, 10)}`;
  s.app.db
    .prepare("INSERT INTO executions (id, workflow_id, workflow_version, session_id, status, created_at) VALUES (?, ?, 1, ?, 'running', ?)")
    .run(id, wf.body.id, sessionId, new Date().toISOString());
  return { executionId: id, workflowId: wf.body.id as string };
}
