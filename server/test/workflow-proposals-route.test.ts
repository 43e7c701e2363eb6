import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPersonWithToken } from './helpers/people';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

/** GET /api/workflows/:id/proposals: what the workflow page's proposal card reads. */

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('GET /api/workflows/:id/proposals', () => {
  it('lists the workflow’s proposals newest first, filtered by status, to anyone who can read', async () => {
    const created = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Proposed') } });
    const id: string = created.body.id;
    const other = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Other') } });
    const changed = { ...minimalDefinition('Proposed'), steps: [{ id: 'say', type: 'bash', command: 'echo changed' }] };
    const first = s.app.proposals.propose({ workflowId: id, definition: changed, summary: 'louder', proposedBy: 'assistant' });
    s.app.proposals.propose({ workflowId: other.body.id, definition: minimalDefinition('Other 2'), proposedBy: 'assistant' });
    s.app.proposals.review({ id: first.id, decision: 'reject', reviewer: 'usr_x' });
    const second = s.app.proposals.propose({ workflowId: id, definition: changed, proposedBy: 'assistant' });

    const all = await s.request('GET', `/api/workflows/${id}/proposals`);
    expect(all.status).toBe(200);
    expect(all.body.proposals.map((p: { id: string }) => p.id).sort()).toEqual([first.id, second.id].sort());
    expect(all.body.proposals.find((p: { id: string }) => p.id === first.id)).toMatchObject({
      status: 'rejected',
      summary: 'louder',
      baseVersion: 1,
      definition: changed,
    });

    const { token } = addPersonWithToken(s, 'viewer');
    const open = await s.request('GET', `/api/workflows/${id}/proposals?status=open`, { token });
    expect(open.status).toBe(200);
    expect(open.body.proposals.map((p: { id: string }) => p.id)).toEqual([second.id]);
  });

  it('refuses an unknown status with 400 naming it, and an unknown workflow with 404', async () => {
    const created = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('P') } });
    const bad = await s.request('GET', `/api/workflows/${created.body.id}/proposals?status=maybe`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('status');
    const missing = await s.request('GET', '/api/workflows/wf_missing/proposals');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});
