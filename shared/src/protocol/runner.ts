import { z } from 'zod';
import { ToolInfo } from '../api/tools';
import { SerializedError } from '../errors';
import { STEP_ID_PATTERN } from '../steps/common';
import { ApproverRule, MAX_MIN_APPROVALS } from '../steps/approver-rule';
import { NotificationLevel } from '../api/notifications';
import { INTEGRATION_CHANNEL_PATTERN, NotifyDestination } from '../steps/notify';
import { TRACEPARENT_PATTERN } from '../tracing/traceparent';

/**
 * Runner socket `/ws/runner`. See PROTOCOL.md beside this file for the rules (handshake, leases,
 * fencing, acknowledgements, redelivery). Every frame is validated on both ends.
 */
export const RUNNER_PROTOCOL_VERSION = 1;

const Id = z.string().min(1).max(100);
const StepId = z.string().regex(STEP_ID_PATTERN);
const IterationPath = z.string().max(2000);
const RequestId = z.union([z.string().max(100), z.number()]);

/** Where a step instance lives: the same step id runs once per loop iteration. */
export const StepRef = z.object({ stepId: StepId, iterationPath: IterationPath.default('') });
export type StepRef = z.infer<typeof StepRef>;

const StepAttempt = StepRef.extend({ attempt: z.number().int().min(1).max(100) });

/**
 * What a step asks the server to wait for; the execution then holds no runner. For an approval only
 * `message` (the runner's rendering) is used: the server takes the rules (approvers, minApprovals,
 * allowSelfApproval, timeout, onDeny, onTimeout) from the execution's stored version, never from a
 * runner (PROTOCOL.md); they stay in the frame for runners built before that.
 */
export const WaitRequest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('approval'),
    message: z.string().max(20_000),
    approvers: ApproverRule.default({}),
    minApprovals: z.number().int().min(1).max(MAX_MIN_APPROVALS).default(1),
    allowSelfApproval: z.boolean().default(false),
    timeoutSeconds: z.number().positive(),
    onDeny: z.enum(['fail', 'continue']),
    onTimeout: z.enum(['fail', 'approve', 'deny']),
  }),
  z.object({ kind: z.literal('timer'), wakeAt: z.string().datetime({ offset: true }) }),
]);
export type WaitRequest = z.infer<typeof WaitRequest>;

/** A streamed chat change produced by an agent step, keyed so a resend is recognised. */
export const AgentMessageEvent = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('create'),
    key: z.string().max(300),
    role: z.enum(['assistant', 'user', 'system']),
    parts: z.array(z.unknown()).max(1000).default([]),
    meta: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ op: z.literal('delta'), key: z.string().max(300), deltaSeq: z.number().int().min(1), partIndex: z.number().int().min(0), delta: z.unknown() }),
  z.object({
    op: z.literal('complete'),
    key: z.string().max(300),
    status: z.enum(['complete', 'canceled', 'error']),
    finishReason: z.string().max(200).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  }),
]);
export type AgentMessageEvent = z.infer<typeof AgentMessageEvent>;

export const RunnerEventBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('step.started'), ...StepAttempt.shape, input: z.unknown().optional() }),
  z.object({ type: z.literal('step.log'), ...StepAttempt.shape, stream: z.enum(['stdout', 'stderr']), text: z.string().max(64 * 1024) }),
  z.object({ type: z.literal('step.succeeded'), ...StepAttempt.shape, output: z.unknown() }),
  z.object({
    type: z.literal('step.failed'),
    ...StepAttempt.shape,
    error: SerializedError,
    /** When set the engine will start attempt+1 after this many ms. */
    retryInMs: z.number().int().min(0).optional(),
  }),
  z.object({ type: z.literal('step.skipped'), ...StepRef.shape, reason: z.string().max(2000) }),
  z.object({ type: z.literal('step.canceled'), ...StepAttempt.shape, reason: z.string().max(2000) }),
  z.object({ type: z.literal('step.waiting'), ...StepAttempt.shape, wait: WaitRequest }),
  z.object({ type: z.literal('message'), ...StepAttempt.shape, message: AgentMessageEvent }),
  /**
   * A step's resumable state (an agent's conversation after each tool round): the server keeps the
   * latest per step instance and hands it back in the grant (`checkpoints`) until the step ends.
   */
  z.object({ type: z.literal('step.checkpoint'), ...StepAttempt.shape, state: z.unknown() }),
  /**
   * A workspace's changes since the execution provisioned it, after every call that may have changed
   * it: the server keeps the latest per workspace key and hands it back in the grant (`workspaces`),
   * so a new lease rebuilds a git workspace (clone at `baseCommit`, then apply `diff`).
   */
  z.object({
    type: z.literal('workspace.snapshot'),
    ...StepAttempt.shape,
    key: z.string().min(1).max(2100),
    baseCommit: z.string().max(100).nullable(),
    changedFiles: z.array(z.string().max(4096)).max(100_000),
    /** Full `git diff --binary` (not cut); at most 8 MiB, else `diff` is null and the workspace cannot be rebuilt. */
    diff: z
      .string()
      .max(8 * 1024 * 1024)
      .nullable(),
  }),
  z.object({
    type: z.literal('execution.finished'),
    status: z.enum(['succeeded', 'failed', 'canceled']),
    output: z.unknown().optional(),
    error: SerializedError.optional(),
  }),
]);
export type RunnerEventBody = z.infer<typeof RunnerEventBody>;

const Seq = { seq: z.number().int().min(1) };
/**
 * A body with its seq. Built as one discriminated union of the bodies extended with `seq` rather
 * than an intersection: an intersection parses twice and deep-merges the two results, which made
 * it the costliest part of ingesting a runner frame.
 */
export const RunnerEvent = z.discriminatedUnion(
  'type',
  RunnerEventBody.options.map((option) => option.extend(Seq)) as unknown as [(typeof RunnerEventBody.options)[number]],
) as unknown as z.ZodType<z.output<typeof RunnerEventBody> & { seq: number }, z.input<typeof RunnerEventBody> & { seq: number }>;
export type RunnerEvent = z.infer<typeof RunnerEvent>;

/** What the journal says already happened, so a resumed execution never re-runs a finished step. */
export const CompletedStep = z.object({
  stepId: StepId,
  iterationPath: z.string(),
  status: z.enum(['succeeded', 'skipped', 'failed']),
  attempt: z.number().int(),
  output: z.unknown().optional(),
  error: SerializedError.optional(),
});
export type CompletedStep = z.infer<typeof CompletedStep>;

/** A tool an agent step may offer its model; called over HTTP (`POST /api/tools/call`). */
export const RunnerToolInfo = ToolInfo.pick({ name: true, description: true, inputSchema: true, destructive: true });
export type RunnerToolInfo = z.infer<typeof RunnerToolInfo>;

export const LeaseGrant = z.object({
  executionId: Id,
  /** Fencing token: grows on every grant; events carrying an older one are rejected. */
  attempt: z.number().int().min(1),
  leaseMs: z.number().int().positive(),
  workflowId: Id,
  workflowVersion: z.number().int().min(1),
  definition: z.unknown(),
  inputs: z.record(z.string(), z.unknown()),
  trigger: z.unknown(),
  sessionId: z.string().nullable(),
  /** Steps finished in earlier leases (latest record per step instance). */
  completed: z.array(CompletedStep),
  /** Highest attempt number used so far per step instance (`stepId|iterationPath`), so retries keep counting. */
  stepAttempts: z.record(z.string(), z.number().int()),
  /** Runner-side settings the server decides (e.g. whether bash is allowed). */
  policy: z.object({
    allowBash: z.boolean(),
    workDir: z.string().optional(),
    /** The operator's tool policy (`WEFT_TOOL_POLICY`), under each step's `toolPolicy`. */
    toolPolicy: z.record(z.string(), z.enum(['allow', 'ask', 'deny'])).optional(),
  }),
  /** The latest `step.checkpoint` of each step instance that has not finished. */
  checkpoints: z.array(z.object({ ...StepAttempt.shape, state: z.unknown() })).default([]),
  /** The latest `workspace.snapshot` per workspace key. */
  workspaces: z
    .array(z.object({ key: z.string(), baseCommit: z.string().nullable(), changedFiles: z.array(z.string()), diff: z.string().nullable() }))
    .default([]),
  /**
   * W3C trace context of the execution's span (see PROTOCOL.md, "Trace context"): the runner's step
   * spans are its children. Absent when the server records no traces.
   */
  traceparent: z.string().regex(TRACEPARENT_PATTERN).optional(),
});
export type LeaseGrant = z.infer<typeof LeaseGrant>;

/**
 * A notify step's delivery request. `key` (`notify:<stepId>:<iterationPath>`) makes a resend or a
 * retry idempotent: the server answers a known key with the first delivery's destinations.
 */
const NotifyRequestShape = {
  executionId: Id,
  /** The lease attempt the runner holds; the server refuses the request otherwise (`lease_not_held`). */
  attempt: z.number().int().min(1),
  ...StepRef.shape,
  /** The step's own attempt (the chat message's back-pointer). */
  stepAttempt: z.number().int().min(1).max(100),
  key: z.string().min(1).max(300),
  title: z.string().max(500).optional(),
  message: z.string().min(1).max(40_000),
  level: NotificationLevel.default('info'),
  /** Omitted: the run's chat session, else the inbox. Otherwise an integration channel (`slack:#ops`). */
  channel: z.string().regex(INTEGRATION_CHANNEL_PATTERN).optional(),
};
export const NotifyRequest = z.object(NotifyRequestShape);
export type NotifyRequest = z.infer<typeof NotifyRequest>;

const EventsFrame = z.object({
  type: z.literal('events'),
  id: RequestId.optional(),
  executionId: Id,
  attempt: z.number().int().min(1),
  events: z.array(RunnerEvent).min(1).max(5000),
});

export const RunnerClientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    id: RequestId.optional(),
    protocolVersion: z.number().int(),
    runnerId: Id,
    name: z.string().max(200),
    capacity: z.number().int().min(1).max(1000),
    /** Leases this runner still holds after a reconnect, with the last seq it sent for each. */
    holding: z
      .array(z.object({ executionId: Id, attempt: z.number().int().min(1) }))
      .max(1000)
      .default([]),
  }),
  z.object({
    type: z.literal('heartbeat'),
    id: RequestId.optional(),
    leases: z.array(z.object({ executionId: Id, attempt: z.number().int().min(1) })).max(1000),
  }),
  EventsFrame,
  /** Asks for the tools a workflow may call (answered by `tools` with the same id). */
  z.object({ type: z.literal('tools_list'), id: RequestId }),
  /** A notify step's message for the server to deliver (answered by `notified`, or `error` with the same id). */
  z.object({
    type: z.literal('notify'),
    id: RequestId,
    ...NotifyRequestShape,
  }),
]);
export type RunnerClientMessage = z.infer<typeof RunnerClientMessage>;

/** An `events` frame whose events were each checked already (the runner's outbox checks them as they are emitted). */
export const RunnerEventsFrameEnvelope = EventsFrame.extend({ events: z.array(z.unknown()).min(1).max(5000) });

export const RunnerServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    id: RequestId.optional(),
    runnerId: Id,
    heartbeatMs: z.number().int().positive(),
    leaseMs: z.number().int().positive(),
  }),
  z.object({ type: z.literal('lease'), grant: LeaseGrant }),
  z.object({
    type: z.literal('heartbeat_ack'),
    id: RequestId.optional(),
    /** Leases the runner listed that it no longer holds: it must stop them at once. */
    lost: z.array(z.object({ executionId: Id, attempt: z.number().int(), reason: z.string() })),
  }),
  z.object({ type: z.literal('ack'), id: RequestId.optional(), executionId: Id, attempt: z.number().int(), seq: z.number().int().min(0) }),
  /** `code`: `stale_lease`, `execution_finished`, `unknown_execution`, `approval_refused` (nothing stored) (stop), `seq_gap`, `storage_unavailable` (resend). See PROTOCOL.md. */
  z.object({ type: z.literal('reject'), id: RequestId.optional(), executionId: Id, attempt: z.number().int(), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('cancel'), executionId: Id, attempt: z.number().int(), reason: z.string() }),
  z.object({ type: z.literal('error'), id: z.union([RequestId, z.null()]), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('tools'), id: RequestId, tools: z.array(RunnerToolInfo).max(10_000) }),
  /** Where the server delivered a `notify`: the step's output says exactly this. */
  z.object({ type: z.literal('notified'), id: RequestId, delivered: z.array(NotifyDestination).min(1) }),
]);
export type RunnerServerMessage = z.infer<typeof RunnerServerMessage>;

/** `stepId|iterationPath`: the key of one step instance. */
export const stepKey = (stepId: string, iterationPath = '') => `${stepId}|${iterationPath}`;
