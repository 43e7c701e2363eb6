import { randomUUID } from 'node:crypto';
import { WORKFLOW_EXPORT_FORMAT } from '@weft/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalDefinition, startServer, type TestServer } from './helpers/server';
import { weftHeaders } from './helpers/webhook-signers';

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
    // Free key and path: kept as they are, but the trigger is saved off (as every imported trigger).
    expect(free.body.trigger).toMatchObject({ key: 'free-hook', enabled: false, webhook: { path: 'free/hook', secret: expect.any(String) } });
    expect(free.body.triggerDisabled).toBe(true);
    expect(free.body.warnings).toEqual([]);
    expect(plain.body.triggerDisabled).toBeUndefined();
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

  describe('a shared file cannot set a secret or switch its trigger on', () => {
    const KNOWN = 'known-secret-1';
    /** POST /hooks/<path> as an outside sender, signed the weft way with `secret`. */
    const deliver = async (path: string, secret: string, query = '') => {
      const body = JSON.stringify({ hello: 'import' });
      const target = `/hooks/${path}${query}`;
      const headers = { 'content-type': 'application/json', ...weftHeaders({ secret, target, body, ts: Math.floor(Date.now() / 1000) }) };
      const res = await fetch(`${s.url}${target}`, { method: 'POST', headers, body });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const attackerFile = (key: string, path: string, webhook: Record<string, unknown> = {}) => ({
      format: WORKFLOW_EXPORT_FORMAT,
      definition: minimalDefinition(`Innocent ${key}`),
      trigger: {
        key,
        type: 'webhook',
        enabled: true,
        webhook: { path, verify: 'weft', respondWithOutput: true, allowBrowser: true, rateLimitPerMinute: 1_000_000, ...webhook },
      },
    });

    it('refuses a file that carries a webhook secret or asks for one, naming the field, and saves nothing', async () => {
      const before = (await s.request('GET', '/api/workflows')).body.workflows.length;
      for (const [webhook, field] of [
        [{ secret: KNOWN }, 'trigger.webhook.secret'],
        [{ regenerateSecret: true }, 'trigger.webhook.regenerateSecret'],
        [{ regenerateSecret: false }, 'trigger.webhook.regenerateSecret'],
      ] as const) {
        const res = await s.request('POST', '/api/workflows/import', { body: attackerFile('innocent-k', 'innocent', webhook) });
        expect(res.status, JSON.stringify(webhook)).toBe(422);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}: is never imported`));
        expect(res.body.error.details.errors).toContainEqual({ path: field, message: expect.stringMatching(/^is never imported/) });
      }
      expect((await s.request('GET', '/api/workflows')).body.workflows.length).toBe(before);
      expect((await s.request('GET', '/api/triggers/innocent-k')).status).toBe(404);
      // A signature made with the secret the file wanted opens nothing.
      expect((await deliver('innocent', KNOWN)).status).toBe(404);
    });

    it('imports the webhook off, with a new secret shown once, and without respondWithOutput', async () => {
      const res = await s.request('POST', '/api/workflows/import', { body: attackerFile('innocent-hook', 'innocent/hook') });
      expect(res.status).toBe(201);
      const trigger = res.body.trigger;
      expect(trigger).toMatchObject({
        key: 'innocent-hook',
        enabled: false,
        webhook: {
          path: 'innocent/hook',
          verify: 'weft',
          hasSecret: true,
          secret: expect.stringMatching(/^whsec_/),
          allowBrowser: true,
          rateLimitPerMinute: 1_000_000,
          respondWithOutput: false,
        },
      });
      expect(trigger.webhook.secret).not.toBe(KNOWN);
      expect(res.body.triggerDisabled).toBe(true);
      expect(res.body.warnings).toEqual([
        { code: 'respond_with_output_not_imported', field: 'trigger.webhook.respondWithOutput', message: expect.stringContaining('respondWithOutput') },
      ]);
      // Read back: off, and the secret is never shown again.
      const read = (await s.request('GET', '/api/triggers/innocent-hook')).body;
      expect(read).toMatchObject({ enabled: false, webhook: { hasSecret: true, respondWithOutput: false } });
      expect(read.webhook.secret).toBeUndefined();

      // A call to the imported path answers as any disabled hook does: 409 when signed with the new secret, 401 otherwise.
      const off = await deliver('innocent/hook', trigger.webhook.secret);
      expect(off.status).toBe(409);
      expect(off.body.error.code).toBe('trigger_disabled');
      expect((await deliver('innocent/hook', KNOWN)).status).toBe(401);
      expect((await deliver('innocent/hook', KNOWN, '?test=1')).status).toBe(401);
      expect((await s.request('GET', `/api/executions?workflowId=${res.body.id}`)).body.executions).toEqual([]);

      // Turning it on (the whole state, secret omitted: the stored one is kept) makes it live for the new secret only.
      const on = await s.request('PUT', '/api/triggers/innocent-hook', {
        body: { workflowId: res.body.id, type: 'webhook', enabled: true, webhook: { path: 'innocent/hook' } },
      });
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ enabled: true, webhook: { hasSecret: true } });
      expect(on.body.webhook.secret).toBeUndefined();
      expect((await deliver('innocent/hook', trigger.webhook.secret)).status).toBe(202);
      expect((await deliver('innocent/hook', KNOWN)).status).toBe(401);
    });

    it('imports a schedule off, so it has no next run, whatever the file says', async () => {
      const file = {
        format: WORKFLOW_EXPORT_FORMAT,
        definition: minimalDefinition('Every minute'),
        trigger: { key: 'imported-cron', type: 'schedule', enabled: true, schedule: { cron: '* * * * *', timezone: 'UTC', catchUp: 'all' } },
      };
      const res = await s.request('POST', '/api/workflows/import', { body: file });
      expect(res.status).toBe(201);
      expect(res.body.trigger).toMatchObject({ key: 'imported-cron', enabled: false, nextRunAt: null, schedule: { catchUp: 'all' } });
      expect(res.body.triggerDisabled).toBe(true);
      expect((await s.request('GET', '/api/triggers/imported-cron')).body).toMatchObject({ enabled: false, nextRunAt: null });
      // Turned on by a person: it gets its next tick.
      const on = await s.request('PUT', '/api/triggers/imported-cron', {
        body: { workflowId: res.body.id, type: 'schedule', enabled: true, schedule: { cron: '* * * * *', timezone: 'UTC' } },
      });
      expect(on.status).toBe(200);
      expect(on.body.nextRunAt).toEqual(expect.any(String));
    });

    it('an Idempotency-Key replay of the import answers the same trigger without the secret', async () => {
      const key = randomUUID();
      const body = attackerFile('replayed-hook', 'replayed/hook', { respondWithOutput: false });
      const first = await s.request('POST', '/api/workflows/import', { body, headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      expect(first.body.trigger.webhook.secret).toMatch(/^whsec_/);
      const again = await s.request('POST', '/api/workflows/import', { body, headers: { 'idempotency-key': key } });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect(JSON.stringify(again.body)).not.toContain(first.body.trigger.webhook.secret);
      expect(again.body.trigger.webhook.secret).toBeUndefined();
      expect(again.body).toMatchObject({ triggerDisabled: true, trigger: { enabled: false, webhook: { secretWithheld: true } } });
    });
  });
});
