import type { AgentMessageEvent, ContainerStepType, ExpressionScope, LeaseGrant, StepOfType, StepType, ToolPolicy } from '@weft/shared';
import type { Logger } from '../log';

export type StepLogStream = 'stdout' | 'stderr';

/** The body of a `workspace.snapshot` runner event, without the step reference the engine adds. */
export type WorkspaceSnapshotEvent = { key: string; baseCommit: string | null; changedFiles: string[]; diff: string | null };

/**
 * Everything a step implementation may use. The engine builds one per attempt; a step never sees
 * the socket, seqs or other steps' events, and reports only through `log`, `emitMessage`, its
 * return value (the output) and what it throws (classified by `engine/errors.ts`).
 */
export interface StepContext {
  readonly executionId: string;
  readonly workflowId: string;
  readonly stepId: string;
  /** `''` at top level, `loop[2]` or `outer[1]/inner[0]` inside loops. */
  readonly iterationPath: string;
  /** Attempt number of this step instance, 1-based, continuing across leases. */
  readonly attempt: number;
  /** Aborted on timeout, cancel, lost lease or shutdown; the step must stop promptly (kill processes, abort requests). */
  readonly signal: AbortSignal;
  /** What templates and expressions read: inputs, earlier steps, trigger, loop item. Do not mutate. */
  readonly scope: Readonly<ExpressionScope>;
  /** The execution's working directory (`<dataDir>/runs/<executionId>` unless the server says otherwise); created on demand. */
  readonly workDir: string;
  readonly allowBash: boolean;
  /** The operator's tool policy (`WEFT_TOOL_POLICY`, from the grant), under each agent step's own. */
  readonly operatorToolPolicy?: ToolPolicy | undefined;
  /** The chat session the execution belongs to, if any. */
  readonly sessionId: string | null;
  /** W3C trace context of this attempt's span, when traces are on (an http step sends it). */
  readonly traceparent?: string;
  /** Live output, shown in the run log; throttled and chunked by the engine. */
  log(stream: StepLogStream, text: string): void;
  /** A keyed chat message change (create / delta / complete) attributed to this step attempt. */
  emitMessage(message: AgentMessageEvent): void;
  /**
   * The lease grant's latest snapshot per workspace key (`LeaseGrant.workspaces`): a git workspace
   * this process has not provisioned yet is rebuilt from its entry (runner/src/workspace).
   */
  readonly workspaceSnapshots: LeaseGrant['workspaces'];
  /** A workspace's changes after a call that may have changed it (`workspace.snapshot`); the server keeps the latest per key. */
  emitWorkspaceSnapshot(snapshot: WorkspaceSnapshotEvent): void;
  /** The runner's own diagnostics (not shown to users). */
  readonly logger: Logger;
  /**
   * The latest state this step instance saved with `emitCheckpoint` (in this lease or, through the
   * grant, an earlier one), while the instance has not finished: a new attempt resumes from it.
   */
  readonly checkpoint?: unknown;
  /**
   * Saves resumable state (`step.checkpoint`); the server keeps the latest until the step instance
   * ends. `json`: the state as JSON when the caller has serialised it already (not done again).
   * The state must not be changed afterwards: the event carries it as given.
   */
  emitCheckpoint?(state: unknown, json?: string): void;
  /** Stops the step's timeout clock while it waits for a person; call the returned function to restart it. */
  pauseTimeout?(): () => void;
}

/** Steps the engine runs itself: containers (control flow) and hand-backs to the server. */
export type EngineStepType = ContainerStepType | 'approval' | 'wait';
/** Steps implemented by a registry entry. */
export type LeafStepType = Exclude<StepType, EngineStepType>;

/**
 * One step type's implementation. `run` resolves with the step's output or throws; the engine owns
 * timeouts, retries, cancellation and event emission around it.
 */
export interface StepHandler<T extends LeafStepType = LeafStepType> {
  readonly type: T;
  run(ctx: StepContext, step: StepOfType<T>): Promise<unknown>;
}

/** One handler per leaf step type, keyed by type: a runner without a handler for some type does not compile. */
export type StepHandlers = { readonly [T in LeafStepType]: StepHandler<T> };
