import type { AskPreview, BuiltinToolInfo, ToolOutcome, WorkspaceChanges, WorkspaceSpec } from '@weft/shared';
import type { StepContext, WorkspaceSnapshotEvent } from '../steps/types';

/**
 * What an agent step needs of its workspace: the `workspace:*` tools working in it, a readable
 * preview of a call for a person to decide, and the workspace's changes so far. `workspaces.ts`
 * builds it from the workspace manager (`runner/src/workspace/`).
 */
export type AgentWorkspace = {
  /** `workspaceKey` of the resolved spec. */
  readonly key: string;
  readonly tools: readonly BuiltinToolInfo[];
  /** What the approval card shows: the command, or the path and the diff a write or edit would make. */
  preview(name: string, input: unknown): Promise<AskPreview>;
  /** Runs one `workspace:*` call; a refusal (path outside the workspace, a failed edit) is an error outcome. `mutated`: files may have changed. */
  call(name: string, input: unknown, options: { signal: AbortSignal; log: StepContext['log'] }): Promise<ToolOutcome & { mutated: boolean }>;
  /**
   * After a call that may have changed files: the snapshot to send, or null when the workspace is as
   * it was at the last snapshot this step sent (a `git status` tells, cheaper than the diff).
   */
  snapshotIfChanged(): Promise<WorkspaceSnapshotEvent | null>;
  /** The changes since the execution provisioned the workspace: the snapshot event's body (full diff) and the output's (cut). */
  report(): Promise<{ snapshot: WorkspaceSnapshotEvent; changes: WorkspaceChanges }>;
  release(): void;
};

/** Opens (provisions or reuses) the workspace a step names, rebuilding it from the grant's snapshot after a crash. */
export type AgentWorkspaces = {
  open(ctx: StepContext, spec: WorkspaceSpec): Promise<AgentWorkspace>;
};
