import type { AskPreview, BuiltinToolInfo, ResolvedWorkspace } from '@weft/shared';
import type { Logger } from '../log';
import type { AddressPolicy } from '../net/address-policy';
import type { StepEnvironment } from '../steps/bash';
import type { Sandbox } from '../steps/sandbox';

/** The run directory's folder holding git workspaces: each clone beside its git directory (`<name>`, `<name>.git`). */
export const GIT_WORKSPACES_DIR = 'workspaces';

/** Where a workspace's live output goes (the step log). */
export type WorkspaceLog = (stream: 'stdout' | 'stderr', text: string) => void;

/** What the runner asks the server for before cloning an https URL with `integration` (`POST /api/tools/git-credential`). */
export type GitCredentialRequest = {
  integration: string;
  url: string;
  executionId: string;
  stepId: string;
  iterationPath: string;
  /** The step's: ends the waits and the request. */
  signal: AbortSignal;
};
export type GitCredential = { username: string; password: string };
export type GitCredentialSource = (request: GitCredentialRequest) => Promise<GitCredential>;

/** The state a lease grant hands back for a workspace key (`LeaseGrant.workspaces`): enough to rebuild a git clone. */
export type WorkspaceRestore = { baseCommit: string | null; diff: string | null };

/** The changes of a workspace since it was provisioned: full, not cut (the step output cuts; see `toWorkspaceChanges`). */
export type WorkspaceState = {
  changedFiles: string[];
  diff: string;
  /** The diff is not byte-exact (a file the repository forces to a text diff is not UTF-8): no rebuild from it. */
  lossy?: true;
};

/** The body of a `workspace.snapshot` event (without the step reference). */
export type WorkspaceSnapshot = { key: string; baseCommit: string | null; changedFiles: string[]; diff: string | null };

export interface Workspace {
  /** `workspaceKey` of the resolved spec. */
  readonly key: string;
  readonly kind: ResolvedWorkspace['kind'];
  /** The real path of the workspace's root directory: every tool path resolves inside it. */
  readonly root: string;
  /** The commit a git workspace started from; null for `path` and `shared`. */
  readonly baseCommit: string | null;
  /**
   * Changes since the execution provisioned the workspace. Git: `git diff --binary` against
   * `baseCommit` with untracked files (ignored files left out). `path`/`shared`: the files the
   * workspace tools wrote, and an empty diff.
   */
  changes(): Promise<WorkspaceState>;
  /**
   * A cheap token of the state `changes()` would report: equal tokens, equal changes (git: `git
   * status` and the listed files' stat data, see fingerprint.ts; otherwise the recorded files).
   */
  fingerprint(): Promise<string>;
  /** `changes()` as a `workspace.snapshot` body: the diff is null when over 8 MiB encoded (the protocol's cap). */
  snapshot(): Promise<WorkspaceSnapshot>;
  /** The acquiring step's log: notes about the workspace (a snapshot that could not be taken) go there. */
  readonly log?: WorkspaceLog;
  /** The acquiring step's signal: it stops a snapshot's git. */
  readonly signal?: AbortSignal;
  /** Notes a file the workspace tools changed (the only change record of a non-git workspace). */
  recordChange(relativePath: string): void;
  /** Ends this step's use: the next step waiting for the same directory may go on. Idempotent. */
  release(): void;
}

export type AcquireRequest = {
  executionId: string;
  workflowId: string;
  stepId: string;
  /** The step instance's foreach iteration (`""` outside one): the server binds a templated clone URL per instance. */
  iterationPath: string;
  /** The step context's `workDir` (the execution's run directory): git clones live under it. */
  workDir: string;
  spec: ResolvedWorkspace;
  /** The grant's latest snapshot for this key, if any: a git workspace not provisioned in this process is rebuilt from it. */
  restore?: WorkspaceRestore;
  signal: AbortSignal;
  log: WorkspaceLog;
};

export interface WorkspaceManager {
  /**
   * The workspace of `spec` for this execution, provisioned on first use (clone, or directory
   * checks) and shared by later steps. Waits while another step holds the same directory; the
   * caller must `release()` it when the step ends. Throws `WorkspaceError` (the message names the
   * problem; `code` is machine-readable).
   */
  acquire(request: AcquireRequest): Promise<Workspace>;
  /**
   * The execution's run on this runner ended (finished, or its lease ended): removes its git clones
   * (and their git dirs) and forgets its workspaces; a later lease rebuilds them from its grant.
   * `path` and `shared` directories stay.
   */
  releaseExecution(executionId: string): Promise<void>;
}

export type WorkspaceManagerOptions = {
  /** `<runner data dir>/workspaces`: where `shared` workspaces live (`<workflowId>/<name>`). */
  sharedRoot: string;
  /** WEFT_WORKSPACE_ROOTS: absolute directories `path` workspaces and local git URLs must resolve under. */
  roots: readonly string[];
  /** Where an https clone may connect (WEFT_HTTP_ALLOW / WEFT_HTTP_DENY_PRIVATE). */
  addressPolicy: AddressPolicy;
  gitCredential?: GitCredentialSource;
  logger: Logger;
  /** Resolves a host name to addresses (tests pass a fake; default `dns.lookup`). */
  lookup?: (host: string) => Promise<string[]>;
};

/** What a workspace tool call answers: `output` goes back to the model, `mutated` asks for a snapshot. */
export type ToolCallResult = { output: unknown; isError: boolean; mutated: boolean };

export interface WorkspaceTools {
  /** The `workspace:*` tools this step may offer (bash only when allowed). */
  readonly tools: readonly BuiltinToolInfo[];
  /** What a person deciding the call sees: the command, the path, the diff an edit/write would make (nothing is changed). */
  preview(name: string, input: unknown): Promise<AskPreview>;
  /** Runs a tool. A bad path, a missing file, a failed edit is an `isError` result (the agent sees it), never a throw. */
  call(name: string, input: unknown, options: { signal: AbortSignal; log: WorkspaceLog }): Promise<ToolCallResult>;
}

export type WorkspaceToolsOptions = {
  workspace: Workspace;
  /** The bash step's minimal environment (`config.stepEnvironment`). */
  environment: StepEnvironment;
  /** Where `workspace:bash` commands run (`resolveSandbox`); none when not given. */
  sandbox?: Sandbox;
  /** The grant's `policy.allowBash`: without it `workspace:bash` is not offered and refused. */
  allowBash: boolean;
  /** Extra variables for `workspace:bash` (WEFT_EXECUTION_ID and friends). */
  extraEnv?: Readonly<Record<string, string>>;
};

/** A refusal or failure to provision; `code` is machine-readable. */
export class WorkspaceError extends Error {
  override readonly name = 'WorkspaceError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}
