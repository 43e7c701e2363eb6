import type { WorkspaceChanges } from '@weft/shared';
import type { WorkspaceSnapshot } from '../steps/types';

/** The diff a step output carries is cut here (the snapshot event has the full one). */
export const OUTPUT_DIFF_MAX_BYTES = 256 * 1024;

/** A step output's view of a workspace snapshot: the diff cut at 256 KiB on a character boundary. */
export function outputChanges(s: WorkspaceSnapshot): WorkspaceChanges {
  if (s.diff === null) return { key: s.key, baseCommit: s.baseCommit, changedFiles: s.changedFiles, diff: '', diffTruncated: true };
  const bytes = Buffer.from(s.diff, 'utf8');
  if (bytes.length <= OUTPUT_DIFF_MAX_BYTES) return { key: s.key, baseCommit: s.baseCommit, changedFiles: s.changedFiles, diff: s.diff, diffTruncated: false };
  // Decoding a cut buffer drops a split character as U+FFFD; strip it rather than show a broken one.
  const cut = bytes
    .subarray(0, OUTPUT_DIFF_MAX_BYTES)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return { key: s.key, baseCommit: s.baseCommit, changedFiles: s.changedFiles, diff: cut, diffTruncated: true };
}
