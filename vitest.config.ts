import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

// Every temp dir of this run (data dirs, runner work dirs, Chromium profiles) goes under one root,
// removed when the run ends: test workers and the processes they start inherit TMPDIR.
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-tests-'));
process.env.TMPDIR = tmpRoot;

let vitest: Vitest | undefined;

/**
 * Prints the one line CI reads: totals over every project (`N passed, N failed, N skipped`; CI reads
 * its start). A project whose globs match no test file counts as a failure and fails the run: a
 * moved folder or a typo in `include` would otherwise pass in silence.
 */
const totals: Reporter = {
  onInit(ctx) {
    vitest = ctx;
  },
  async onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else if (state === 'skipped') skipped++;
      }
      // A file that failed to load, or whose hooks failed, counts as a failure even with green tests.
      if (mod.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    if (unhandledErrors.length > 0) failed += unhandledErrors.length;
    for (const project of vitest?.projects ?? []) {
      if ((await project.globTestFiles()).testFiles.length > 0) continue;
      process.stderr.write(`\nproject ${project.name} matches no test files\n`);
      failed++;
    }
    if (failed > 0) process.exitCode = 1;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    fs.rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
  },
};

/** Integration test files that run on both stores: `server` runs them on SQLite, `server-postgres` on PostgreSQL. */
const POSTGRES_SET = [
  'test/executions-api.test.ts',
  'test/engine-steps.test.ts',
  'test/engine-protocol.test.ts',
  'test/step-order.test.ts',
  'test/triggers-webhooks.test.ts',
  'test/triggers-scheduler.test.ts',
  'test/human-gates.test.ts',
  'test/approver-rules.test.ts',
  'test/sessions.test.ts',
  'test/fixes-offline.test.ts',
  'test/retention.test.ts',
  'test/audit.test.ts',
  'test/role-routes.test.ts',
  'test/notifications.test.ts',
  'test/tool-gates.test.ts',
  'test/fixes-model.test.ts',
  'test/triggers-api.test.ts',
  'test/triggers-catch-up.test.ts',
  'test/approval-timeouts.test.ts',
  'test/approvals-close-with-run.test.ts',
  'test/chat-commands.test.ts',
  'test/engine-durability.test.ts',
  'test/people-admin.test.ts',
  'test/ownership.test.ts',
  'test/chat-visibility.test.ts',
  'test/tool-approval-visibility.test.ts',
  'test/run-depth.test.ts',
  'test/step-state.test.ts',
  'test/notify-idempotency.test.ts',
  'test/live-socket.test.ts',
  'test/agent-asks.test.ts',
  'test/oidc-pending-sign-ins.test.ts',
  'test/cluster/held-calls-restart.test.ts',
  'test/idempotency-keys.test.ts',
  'test/tool-call-identity.test.ts',
  'test/held-call-decisions.test.ts',
];

/**
 * Projects of pure code (no child processes, no servers, no sockets) run two files at once, first:
 * the rest run one file at a time after them, as their tests time real processes on the same cores.
 */
const PURE = { maxWorkers: 2, sequence: { groupOrder: 0 } };
const PROCESSES = { sequence: { groupOrder: 1 } };
/**
 * One module graph per worker instead of one per file, for the server's projects: their files keep
 * no state in modules between files (servers, runners and clusters are per file), and importing the
 * server again for each file was a quarter of the suite's time. What needs a fresh process is in
 * ISOLATED. The runner's project stays isolated: its engine tests time slices of a few milliseconds,
 * which a worker's heap grown by earlier files (its GC pauses) can overrun.
 */
const SHARED_MODULES = { isolate: false };

/**
 * Server files that need a fresh process each: OpenTelemetry's SDK, once loaded, stays loaded and
 * registered (tracing-off.test.ts asserts it never was); the outage rehearsal's timings are its own.
 */
const ISOLATED = ['test/tracing.test.ts', 'test/tracing-off.test.ts', 'test/tracing-leases.test.ts', 'test/faults/server-outage.test.ts'];

/** The server's tests on SQLite. */
const SERVER_ON_SQLITE = {
  root: './server',
  // Every event the server journals during the suite is checked against the event catalogue.
  setupFiles: ['test/setup/journal-event-check.ts'],
  // The server-postgres project's global setup sets WEFT_TEST_STORE=postgres in the process
  // every worker inherits: this project's tests are the SQLite ones whatever runs beside it.
  env: { WEFT_TEST_STORE: 'sqlite' },
  environment: 'node',
  testTimeout: 30_000,
  hookTimeout: 30_000,
  ...PROCESSES,
};

/** The compose rehearsal: a project of its own (below). */
const COMPOSE_REHEARSAL = 'test/multi-server/compose-rehearsal.test.ts';

/** One run over every package, so `pnpm test` prints a single total. */
export default defineConfig({
  test: {
    reporters: ['default', totals],
    projects: [
      { extends: false, test: { name: 'shared', root: './shared', include: ['src/**/*.test.ts'], environment: 'node', ...PURE } },
      {
        extends: false,
        test: {
          name: 'server',
          ...SERVER_ON_SQLITE,
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: [COMPOSE_REHEARSAL, ...ISOLATED],
          ...SHARED_MODULES,
        },
      },
      { extends: false, test: { name: 'server-isolated', ...SERVER_ON_SQLITE, include: ISOLATED } },
      {
        extends: false,
        test: {
          // The server's integration tests again, with every test server on PostgreSQL (WEFT_DATABASE_URL
          // of a fresh database on one throwaway cluster: test/setup/postgres-store.ts).
          name: 'server-postgres',
          root: './server',
          include: POSTGRES_SET,
          setupFiles: ['test/setup/journal-event-check.ts', 'test/setup/postgres-databases.ts'],
          globalSetup: ['test/setup/postgres-store.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          ...PROCESSES,
          ...SHARED_MODULES,
        },
      },
      {
        extends: false,
        test: {
          // docker-compose.yml run as processes (the built bundles, PostgreSQL, Caddy), after every other
          // project: built-runtime.test.ts deletes and rebuilds server/dist and runner/dist, which these
          // processes run from, and the failover timings (Caddy's health checks, runner reconnection)
          // are the compose file's, not stretched by the rest of the suite on the same cores.
          name: 'compose',
          root: './server',
          include: [COMPOSE_REHEARSAL],
          sequence: { groupOrder: 2 },
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: false,
        test: {
          name: 'runner',
          root: './runner',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          ...PROCESSES,
        },
      },
      { extends: './client/vitest.config.ts', test: PURE },
      {
        extends: false,
        test: {
          name: 'e2e',
          root: './client',
          include: ['test/e2e/**/*.e2e.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
