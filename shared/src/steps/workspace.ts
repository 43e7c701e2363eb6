import { z } from 'zod';
import { NonEmptyTemplate } from './common';
import { INTEGRATION_NAME_PATTERN } from './tool';

/** A shared workspace's name: it becomes a directory name on the runner. */
export const SHARED_WORKSPACE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Where an `agent_prompt` or `bash` step works (docs/workspaces.md):
 * - `git`: cloned once per execution into its run directory; `url` is an https URL or a local path
 *   under one of the runner's `WEFT_WORKSPACE_ROOTS`; `integration` names the integration whose
 *   credential the clone uses (https only).
 * - `path`: a directory under one of the runner's `WEFT_WORKSPACE_ROOTS`, worked in place.
 * - `shared`: a directory the runner keeps across runs of one workflow.
 * Steps of one execution naming the same workspace (`workspaceKey`) share it.
 */
export const WorkspaceSpec = z.union([
  z.strictObject({
    git: z.strictObject({
      url: NonEmptyTemplate.refine((s) => s.length <= 2000, { error: 'must be at most 2000 characters' }),
      /** A branch, tag or commit; the remote's default branch when left out. */
      ref: NonEmptyTemplate.refine((s) => s.length <= 300, { error: 'must be at most 300 characters' }).optional(),
      /** Shallow clone depth; a full clone when left out. */
      depth: z.number().int().min(1).max(1_000_000).optional(),
      integration: z.string().regex(INTEGRATION_NAME_PATTERN, { error: 'must be an integration name' }).optional(),
    }),
  }),
  z.strictObject({ path: NonEmptyTemplate.refine((s) => s.length <= 1000, { error: 'must be at most 1000 characters' }) }),
  z.strictObject({
    shared: z.string().regex(SHARED_WORKSPACE_NAME_PATTERN, { error: 'must be 1-64 characters of a-z, 0-9, "_" and "-", starting with a letter or digit' }),
  }),
]);
export type WorkspaceSpec = z.infer<typeof WorkspaceSpec>;

/** A workspace spec with its templates rendered: what the runner provisions. */
export type ResolvedWorkspace =
  | { kind: 'git'; url: string; ref?: string; depth?: number; integration?: string }
  | { kind: 'path'; path: string }
  | { kind: 'shared'; name: string };

/** Two steps of one execution share a workspace exactly when their resolved specs have the same key (`git:<url>#<ref>[@<integration>]`). */
export function workspaceKey(w: ResolvedWorkspace): string {
  switch (w.kind) {
    case 'git':
      // The integration is part of it: a step without the credential never shares (or re-clones) a
      // private clone another step made with one.
      return `git:${w.url}#${w.ref ?? ''}${w.integration ? `@${w.integration}` : ''}`;
    case 'path':
      return `path:${w.path}`;
    case 'shared':
      return `shared:${w.name}`;
  }
}

/** What a step with a workspace adds to its output: the workspace's changes since it was provisioned. */
export const WorkspaceChanges = z.object({
  /** `git:<url>#<ref>[@<integration>]`, `path:<dir>` or `shared:<name>` (`workspaceKey`). */
  key: z.string(),
  /** The commit the workspace started from (git workspaces), else null. */
  baseCommit: z.string().nullable(),
  /** Paths relative to the workspace root, changed, added or deleted since the start of the execution. */
  changedFiles: z.array(z.string()),
  /** `git diff --binary` against `baseCommit`, untracked files included; cut at 256 KiB (`diffTruncated`). */
  diff: z.string(),
  diffTruncated: z.boolean(),
});
export type WorkspaceChanges = z.infer<typeof WorkspaceChanges>;
