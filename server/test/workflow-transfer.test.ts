import { WORKFLOW_EXPORT_FORMAT } from '@weft/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const hookTrigger = (key: string, path: string) => ({ key, type: 'webhook', enabled: true, webhook: { path, verify: 'weft', rateLimitPerMinute: 30 } });

describe('GET /api/workflows/:id/export and POST /api/workflows/import', () => {
  it('round-trips a workflow with its schedule', async () => {
    const definition = { ...minimalDefinition('Nightly'), inputs: { who: { type: 'string', default: 'weft' } } };
    const trigger = { key: 'nightly-rt', type: 'schedule', enabled: true, inputs: { who: 'ops' }, schedule: { cron: '0 3 * * *', timezone: 'UTC' } };
    const created = await s.request('POST', '/api/workflows', { body: { definition, trigger } });
    expect(created.status).toBe(201);

    const exported = await s.request('GET', `/api/workflows/${created.body.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body).toEqual({
      format: WORKFLOW_EXPORT_FORMAT,
      definition,
      trigger: { ...trigger, schedule: { ...trigger.schedule, catchUp: 'latest', catchUpWindowSeconds: 86_400, overlap: 'skip' } },
    });

    // Its key is taken now (by the original): imported under a free key, disabled, with a warning.
    const imported = await s.request('POST', '/api/workflows/import', { body: exported.body });
    expect(imported.status).toBe(201);
    expect(imported.body.id).not.toBe(created.body.id);
    expect(imported.body.definition).toEqual(definition);
    expect(imported.body.trigger).toMatchObject({ key: 'nightly-rt-2', enabled: false, workflowId: imported.body.id, inputs: { who: 'ops' } });
    expect(imported.body.warnings).toEqual([{ code: 'trigger_key_taken', field: 'trigger.key', message: expect.stringContaining('nightly-rt-2') }]);

    const again = await s.request('GET', `/api/workflows/${imported.body.id}/export`);
    expect(again.body.definition).toEqual(definition);
    expect(again.body.trigger).toMatchObject({ key: 'nightly-rt-2', enabled: false });
  });

  it('imports a webhook whose path is taken at a free path, disabled, with a warning naming the owner', async () => {
    const owner = await s.request('POST', '/api/workflows', {
      body: { definition: minimalDefinition('Hook owner'), trigger: hookTrigger('hook-owner', 'deploys/done') },
    });
    expect(owner.status).toBe(201);
    const file = { format: WORKFLOW_EXPORT_FORMAT, definition: minimalDefinition('Hook copy'), trigger: hookTrigger('hook-copy', 'deploys/done') };
    const imported = await s.request('POST', '/api/workflows/import', { body: file });
    expect(imported.status).toBe(201);
    expect(imported.body.trigger).toMatchObject({ key: 'hook-copy', enabled: false, webhook: { path: 'deploys/done-2', hasSecret: true } });
    expect(imported.body.warnings).toEqual([
      {
        code: 'webhook_path_taken',
        field: 'trigger.webhook.path',
        message: expect.stringMatching(/deploys\/done is used by trigger "hook-owner".*deploys\/done-2/),
      },
    ]);
    // The original still owns its path and is still enabled.
    expect((await s.request('GET', '/api/triggers/hook-owner')).body).toMatchObject({ enabled: true, webhook: { path: 'deploys/done' } });
    // A webhook's secret never leaves in an export.
    const exported = await s.request('GET', `/api/workflows/${owner.body.id}/export`);
    expect(JSON.stringify(exported.body)).not.toMatch(/secret/i);
  });

  it('imports a file without a trigger as a plain workflow, and a free trigger as it is', async () => {
    const plain = await s.request('POST', '/api/workflows/import', { body: { format: WORKFLOW_EXPORT_FORMAT, definition: minimalDefinition('Plain') } });
    expect(plain.status).toBe(201);
    expect(plain.body.warnings).toEqual([]);
    expect(plain.body.trigger).toBeUndefined();
    const exported = await s.request('GET', `/api/workflows/${plain.body.id}/export`);
    expect(exported.body).toEqual({ format: WORKFLOW_EXPORT_FORMAT, definition: minimalDefinition('Plain') });

    const free = await s.request('POST', '/api/workflows/import', {
      body: { format: WORKFLOW_EXPORT_FORMAT, definition: minimalDefinition('Free'), trigger: hookTrigger('free-hook', 'free/hook') },
    });
    expect(free.status).toBe(201);
    expect(free.body.trigger).toMatchObject({ key: 'free-hook', enabled: true, webhook: { path: 'free/hook', secret: expect.any(String) } });
    expect(free.body.warnings).toEqual([]);
  });

  it('refuses bad files with a code and the field', async () => {
    const cases: [unknown, number, string, RegExp][] = [
      [{ format: 'weft.workflow/2', definition: minimalDefinition() }, 422, 'validation_failed', /^format: must be "weft\.workflow\/1"/],
      [{ format: WORKFLOW_EXPORT_FORMAT }, 422, 'validation_failed', /^definition: required/],
      [{ format: WORKFLOW_EXPORT_FORMAT, definition: { name: 'x', steps: [] } }, 422, 'invalid_definition', /steps/],
      [{ format: WORKFLOW_EXPORT_FORMAT, definition: minimalDefinition(), extra: 1 }, 422, 'validation_failed', /extra/],
      [
        { format: WORKFLOW_EXPORT_FORMAT, definition: minimalDefinition(), trigger: { key: 'bad key', type: 'webhook', webhook: { path: 'x' } } },
        422,
        'validation_failed',
        /^trigger\.key/,
      ],
      [
        {
          format: WORKFLOW_EXPORT_FORMAT,
          definition: minimalDefinition(),
          trigger: { key: 'k1', type: 'schedule', schedule: { cron: 'nope', timezone: 'UTC' } },
        },
        422,
        'invalid_trigger',
        /^trigger\.schedule\.cron/,
      ],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await s.request('POST', '/api/workflows/import', { body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code, JSON.stringify(res.body)).toBe(code);
      expect(res.body.error.message).toMatch(message);
    }
    const notJson = await s.request('POST', '/api/workflows/import', { raw: '{"format":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBeTypeOf('string');
    expect((await s.request('GET', '/api/workflows/wf_missing/export')).status).toBe(404);
    // A refused import saves nothing, not even the workflow half of it.
    const before = (await s.request('GET', '/api/workflows')).body.workflows.length;
    await s.request('POST', '/api/workflows/import', { body: cases[5]![0] });
    expect((await s.request('GET', '/api/workflows')).body.workflows.length).toBe(before);
  });

  it('answers any body with a deliberate 201 or 4xx, never a 500 (property)', async () => {
    const definition = fc.oneof(
      fc.constant(minimalDefinition('Fuzzed')),
      fc.record({
        name: fc.string(),
        steps: fc.array(fc.record({ id: fc.string(), type: fc.constantFrom('bash', 'notify', 'nope'), command: fc.string() }), { maxLength: 2 }),
      }),
      fc.anything(),
    );
    const trigger = fc.oneof(
      fc.constant(undefined),
      fc.record({
        key: fc.oneof(fc.constantFrom('fuzz-key', 'hook-owner'), fc.string()),
        type: fc.constantFrom('webhook', 'schedule', 'other'),
        enabled: fc.boolean(),
        webhook: fc.option(fc.record({ path: fc.oneof(fc.constantFrom('deploys/done', 'fz/a'), fc.string()) }), { nil: undefined }),
        schedule: fc.option(fc.record({ cron: fc.constantFrom('* * * * *', 'bad'), timezone: fc.constantFrom('UTC', 'Mars/Base') }), { nil: undefined }),
      }),
      fc.anything(),
    );
    const body = fc.oneof(
      fc.record({ format: fc.oneof(fc.constant(WORKFLOW_EXPORT_FORMAT), fc.string()), definition, trigger }, { requiredKeys: ['format'] }),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await s.request('POST', '/api/workflows/import', { raw: JSON.stringify(b) ?? 'null', headers: { 'content-type': 'application/json' } });
        expect([201, 400, 404, 409, 413, 415, 422]).toContain(res.status);
        if (res.status !== 201) expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
        else expect(Array.isArray(res.body.warnings)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
