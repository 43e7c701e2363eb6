import { describe, expect, it } from 'vitest';
import { openTestDatabase, startServer } from '../helpers/server';

/**
 * One server restarting (either store): the held tool calls its previous process held can never be
 * answered (their HTTP requests went with it), so the next start expires them as `restart`, as
 * before servers were recorded; so are calls recorded before migration 027 (no holder). Agent
 * asks outlive the process and stay.
 */
describe('held tool calls across a restart', () => {
  it("expires the previous process's held calls and holder-less ones at start; asks stay pending", async () => {
    const first = await startServer();
    const previous = first.app.cluster.liveness.id;
    const dataDir = first.dataDir;
    const add = first.app.db.prepare(
      `INSERT INTO tool_approvals (id, tool, arguments, message, status, requested_at, expires_at, iteration_path, held_by, ask_key)
       VALUES (?, 'workflows:delete_workflow', '{}', 'x', 'pending', '2026-01-01T00:00:00.000Z', ?, '', ?, ?)`,
    );
    const later = Date.now() + 3_600_000;
    add.run('tap_held_before', later, previous, null);
    add.run('tap_no_holder', later, null, null);
    add.run('tap_an_ask', later, null, 'say||k1');
    await first.close();

    const second = await startServer({ dataDir });
    try {
      expect(second.app.cluster.liveness.id).not.toBe(previous);
      const db = openTestDatabase(dataDir);
      try {
        const rows = db
          .prepare<[], { id: string; status: string; decided_by: string | null }>(
            "SELECT id, status, decided_by FROM tool_approvals WHERE id LIKE 'tap_%' ORDER BY id",
          )
          .all();
        expect(rows).toEqual([
          { id: 'tap_an_ask', status: 'pending', decided_by: null },
          { id: 'tap_held_before', status: 'expired', decided_by: 'restart' },
          { id: 'tap_no_holder', status: 'expired', decided_by: 'restart' },
        ]);
        // The stopped server's row went with it; the running one has its own.
        expect(db.prepare<[], { id: string }>('SELECT id FROM servers').all()).toEqual([{ id: second.app.cluster.liveness.id }]);
      } finally {
        db.close();
      }
    } finally {
      await second.close();
    }
  });
});
