import type { LeaseGrant } from '@weft/shared';

/**
 * Most bytes of a grant's `checkpoints` + `workspaces` (as JSON). Each checkpoint may be 4 MiB and
 * each snapshot's diff 8 MiB, so a parallel foreach of agent steps could build a grant past the
 * runner's WebSocket limit (ws's 100 MiB): the runner would drop the socket on every grant, forever.
 * 32 MiB stays well under it.
 */
export const MAX_RESUME_BYTES = 32 * 1024 * 1024;

type Checkpoint = LeaseGrant['checkpoints'][number];
type Workspace = LeaseGrant['workspaces'][number];

/** What was left out of the grant, so the run log can say so. */
export type LeftOut =
  | { kind: 'checkpoint'; stepId: string; iterationPath: string; attempt: number; bytes: number }
  | { kind: 'workspace'; key: string; bytes: number };

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * Fits a grant's resume state under `limit`: the largest checkpoints go first (their step instances
 * restart from scratch), then, if still over, the largest workspace diffs (set to null: the
 * workspace is provisioned fresh, as with an uncapturable diff). Workspaces are kept before
 * checkpoints because a resumed conversation over a workspace that lost its changes would be wrong.
 */
export function fitResumeState(
  checkpoints: readonly Checkpoint[],
  workspaces: readonly Workspace[],
  limit = MAX_RESUME_BYTES,
): { checkpoints: Checkpoint[]; workspaces: Workspace[]; leftOut: LeftOut[] } {
  const cps = checkpoints.map((c) => ({ c, bytes: size(c) }));
  const wss = workspaces.map((w) => ({ w, bytes: size(w) }));
  let total = cps.reduce((n, x) => n + x.bytes, 0) + wss.reduce((n, x) => n + x.bytes, 0);
  const leftOut: LeftOut[] = [];
  const dropped = new Set<Checkpoint>();
  for (const x of [...cps].sort((a, b) => b.bytes - a.bytes)) {
    if (total <= limit) break;
    dropped.add(x.c);
    total -= x.bytes;
    leftOut.push({ kind: 'checkpoint', stepId: x.c.stepId, iterationPath: x.c.iterationPath, attempt: x.c.attempt, bytes: x.bytes });
  }
  const emptied = new Set<Workspace>();
  for (const x of [...wss].sort((a, b) => b.bytes - a.bytes)) {
    if (total <= limit) break;
    if (x.w.diff === null) continue;
    emptied.add(x.w);
    total -= x.bytes - size({ ...x.w, diff: null });
    leftOut.push({ kind: 'workspace', key: x.w.key, bytes: x.bytes });
  }
  return {
    checkpoints: cps.filter((x) => !dropped.has(x.c)).map((x) => x.c),
    workspaces: wss.map((x) => (emptied.has(x.w) ? { ...x.w, diff: null } : x.w)),
    leftOut,
  };
}
