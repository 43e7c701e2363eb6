import { isContainerType, type Message } from '@weft/shared';

/**
 * How a chat session reads, as data: which messages are plain turns, which belong to an
 * `agent_prompt` step (one container per step instance, holding its prompt and its turns), which
 * steps show as compact cards, and where an approval waits. Pure, so the feed, its tests and any
 * other client order a session the very same way.
 */

/** One attempt of one step instance, as `step.updated` and `GET /api/executions/:id` report it. */
export type PlanStep = {
  executionId: string;
  stepId: string;
  /** `""` outside loops. */
  iterationPath: string;
  attempt: number;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  output?: unknown;
  error?: { name: string; message: string } | undefined;
};

/** A step approval (`executionId`, `stepId`) or a tool-call approval (`kind: 'tool'`, `sessionId`). */
export type PlanApproval = {
  id: string;
  kind?: 'step' | 'tool' | undefined;
  executionId: string | null;
  stepId: string | null;
  iterationPath: string;
  requestedAt: string;
  status: string;
};

export type PlanExecution = {
  id: string;
  createdAt: string;
  /** Set once the run finished: an `end` item marks it. */
  finishedAt?: string | null;
  /** Step id -> step type, from the pinned definition: places steps before their first message. */
  stepTypes?: Readonly<Record<string, string>>;
};

export type ChatRenderPlanInput = {
  /** Oldest first, in the server's order (the order ties between equal timestamps fall back to). */
  messages: readonly Message[];
  /** Every attempt of every step instance known for the session's executions, in any order. */
  steps: readonly PlanStep[];
  executions?: readonly PlanExecution[];
  approvals?: readonly PlanApproval[];
};

/** A chat turn that belongs to no step: the user, the chat assistant, or a note about a run. */
export type TurnItem = { kind: 'turn'; key: string; at: string; message: Message };

/** Where a workflow run starts in the conversation, and where it finished. */
export type ExecutionItem = { kind: 'execution'; key: string; at: string; executionId: string; edge: 'start' | 'end' };

/** An `agent_prompt` step instance: its prompt and assistant turn(s), superseded attempts collapsed. */
export type AgentStepItem = {
  kind: 'agent_step';
  key: string;
  at: string;
  executionId: string;
  stepId: string;
  iterationPath: string;
  /** The latest step attempt (from the step record, or from the messages when there is none yet). */
  attempt: number;
  /** The latest attempt of the step instance; null until its first `step.updated`. */
  step: PlanStep | null;
  /** The prompt of the latest attempt that has one. */
  prompt: Message | null;
  /** Assistant turns of that attempt that nothing superseded, oldest first. */
  turns: Message[];
  /** Superseded turns: canceled ones followed by a later turn, and every turn of earlier attempts. */
  previousAttempts: Message[];
  /** `output.structured` of a succeeded step. */
  structured?: unknown;
};

/** Any other step instance: a compact card, with the system messages it posted (notify) as notes. */
export type StepCardItem = {
  kind: 'step';
  key: string;
  at: string;
  executionId: string;
  stepId: string;
  iterationPath: string;
  step: PlanStep | null;
  notes: Message[];
};

/** A step (or a tool call) waiting for a person, or decided: the approval card. */
export type ApprovalItem = {
  kind: 'approval';
  key: string;
  at: string;
  approval: PlanApproval;
  /** The approval step's latest attempt, for step approvals. */
  step: PlanStep | null;
};

export type ChatRenderItem = TurnItem | ExecutionItem | AgentStepItem | StepCardItem | ApprovalItem;

const END_OF_TIME = '\uffff';

export const stepInstanceKey = ({ executionId, stepId, iterationPath }: { executionId: string; stepId: string; iterationPath: string }): string =>
  `step:${executionId}:${stepId}:${iterationPath}`;

type Instance = {
  key: string;
  executionId: string;
  stepId: string;
  iterationPath: string;
  attempts: PlanStep[];
  conversation: Message[];
  notes: Message[];
  /** Order of the instance's first message, for ties. */
  firstMessageIndex: number;
};

/**
 * Orders everything in a session by time into render items. Each step instance (execution, step,
 * iteration) is one item placed at its earliest moment (its first start, its first message); items
 * at the same instant keep the messages' order, then a fixed order of kinds and keys, so the
 * plan never depends on the order events arrived in and items never move once placed.
 */
export function buildChatRenderPlan({ messages, steps, executions = [], approvals = [] }: ChatRenderPlanInput): ChatRenderItem[] {
  const stepTypes = new Map(executions.map((e) => [e.id, e.stepTypes ?? {}]));
  const typeOf = (executionId: string, stepId: string): string | undefined => stepTypes.get(executionId)?.[stepId];
  const instances = new Map<string, Instance>();
  const instanceOf = (ref: { executionId: string; stepId: string; iterationPath: string }, messageIndex: number): Instance => {
    const key = stepInstanceKey(ref);
    let instance = instances.get(key);
    if (instance === undefined) {
      instance = {
        key,
        executionId: ref.executionId,
        stepId: ref.stepId,
        iterationPath: ref.iterationPath,
        attempts: [],
        conversation: [],
        notes: [],
        firstMessageIndex: messageIndex,
      };
      instances.set(key, instance);
    }
    instance.firstMessageIndex = Math.min(instance.firstMessageIndex, messageIndex);
    return instance;
  };

  const items: { item: ChatRenderItem; tie: number }[] = [];
  messages.forEach((message, index) => {
    if (message.executionId === undefined || message.stepId === undefined) {
      items.push({ item: { kind: 'turn', key: `msg:${message.id}`, at: message.createdAt, message }, tie: index });
      return;
    }
    const instance = instanceOf({ executionId: message.executionId, stepId: message.stepId, iterationPath: message.iterationPath ?? '' }, index);
    if (message.role === 'system') instance.notes.push(message);
    else instance.conversation.push(message);
  });
  for (const step of steps) instanceOf(step, Number.MAX_SAFE_INTEGER).attempts.push(step);

  const approvalsByStep = new Map<string, PlanApproval>();
  for (const approval of approvals) {
    if (approval.kind !== 'tool' && approval.executionId !== null && approval.stepId !== null) {
      const key = stepInstanceKey({ executionId: approval.executionId, stepId: approval.stepId, iterationPath: approval.iterationPath });
      const existing = approvalsByStep.get(key);
      // A retried approval step asks again: the newest request is the one that counts.
      if (existing === undefined || existing.requestedAt < approval.requestedAt) approvalsByStep.set(key, approval);
      continue;
    }
    items.push({ item: { kind: 'approval', key: `approval:${approval.id}`, at: approval.requestedAt, approval, step: null }, tie: Number.MAX_SAFE_INTEGER });
  }

  for (const instance of instances.values()) {
    const item = instanceItem(instance, typeOf(instance.executionId, instance.stepId), approvalsByStep.get(instance.key) ?? null);
    if (item !== null) items.push({ item, tie: instance.firstMessageIndex });
    approvalsByStep.delete(instance.key);
  }
  // Approvals whose step is not known (yet): shown on their own.
  for (const [key, approval] of approvalsByStep) {
    items.push({ item: { kind: 'approval', key: `approval:${key}`, at: approval.requestedAt, approval, step: null }, tie: Number.MAX_SAFE_INTEGER });
  }

  for (const execution of executions) {
    items.push({ item: { kind: 'execution', key: `execution:${execution.id}`, at: execution.createdAt, executionId: execution.id, edge: 'start' }, tie: -1 });
    if (execution.finishedAt) {
      items.push({
        item: { kind: 'execution', key: `execution:${execution.id}:end`, at: execution.finishedAt, executionId: execution.id, edge: 'end' },
        tie: Number.MAX_SAFE_INTEGER,
      });
    }
  }

  return items.sort(compareItems).map(({ item }) => item);
}

const KIND_ORDER: { readonly [K in ChatRenderItem['kind']]: number } = { execution: 0, turn: 1, agent_step: 2, step: 3, approval: 4 };
/** A run's start comes before anything at the same instant, its end after. */
const rank = (item: ChatRenderItem) => (item.kind === 'execution' && item.edge === 'end' ? 5 : KIND_ORDER[item.kind]);

function compareItems(a: { item: ChatRenderItem; tie: number }, b: { item: ChatRenderItem; tie: number }): number {
  if (a.item.at !== b.item.at) return a.item.at < b.item.at ? -1 : 1;
  if (a.tie !== b.tie) return a.tie - b.tie;
  if (rank(a.item) !== rank(b.item)) return rank(a.item) - rank(b.item);
  return a.item.key < b.item.key ? -1 : a.item.key > b.item.key ? 1 : 0;
}

function earliest(times: readonly (string | null | undefined)[]): string {
  let best = END_OF_TIME;
  for (const time of times) if (time && time < best) best = time;
  return best;
}

function latestAttempt(attempts: readonly PlanStep[]): PlanStep | null {
  let best: PlanStep | null = null;
  for (const step of attempts)
    if (best === null || step.attempt > best.attempt || (step.attempt === best.attempt && isFinished(step) && !isFinished(best))) best = step;
  return best;
}

const isFinished = (step: PlanStep): boolean => step.finishedAt !== null || !['pending', 'running', 'waiting'].includes(step.status);

function instanceItem(instance: Instance, type: string | undefined, approval: PlanApproval | null): ChatRenderItem | null {
  const step = latestAttempt(instance.attempts);
  const at = earliest([
    ...instance.attempts.flatMap((s) => [s.startedAt, s.finishedAt]),
    ...instance.conversation.map((m) => m.createdAt),
    ...instance.notes.map((m) => m.createdAt),
  ]);
  const base = { key: instance.key, executionId: instance.executionId, stepId: instance.stepId, iterationPath: instance.iterationPath };

  if (approval !== null) return { kind: 'approval', key: instance.key, at: at === END_OF_TIME ? approval.requestedAt : at, approval, step };
  // Containers are structure: their nested steps show, they do not.
  if (isContainerType(type)) return null;
  if (type === 'agent_prompt' || instance.conversation.length > 0) return agentItem({ instance, step, at, base });
  // Not started yet: nothing to show until it runs.
  if (at === END_OF_TIME && (step === null || step.status === 'pending')) return null;
  return { kind: 'step', ...base, at, step, notes: instance.notes };
}

function agentItem({
  instance,
  step,
  at,
  base,
}: {
  instance: Instance;
  step: PlanStep | null;
  at: string;
  base: Pick<AgentStepItem, 'key' | 'executionId' | 'stepId' | 'iterationPath'>;
}): AgentStepItem | null {
  if (at === END_OF_TIME) return null;
  // Messages are in the server's order already; attempts group them.
  const byAttempt = new Map<number, Message[]>();
  for (const message of instance.conversation) {
    const attempt = message.attempt ?? 1;
    let list = byAttempt.get(attempt);
    if (list === undefined) {
      list = [];
      byAttempt.set(attempt, list);
    }
    list.push(message);
  }
  const attempts = [...byAttempt.keys()].sort((a, b) => a - b);
  const current = attempts.at(-1);
  const previousAttempts: Message[] = [];
  let prompt: Message | null = null;
  const turns: Message[] = [];
  for (const attempt of attempts) {
    const list = byAttempt.get(attempt) ?? [];
    const replies = list.filter((m) => m.role === 'assistant');
    if (attempt !== current) {
      previousAttempts.push(...replies);
      continue;
    }
    prompt = list.find((m) => m.role === 'user') ?? null;
    // A canceled turn with a later turn after it was superseded (failover, fix-up); the last one stays.
    for (const [i, reply] of replies.entries()) {
      const superseded = reply.status === 'canceled' && i < replies.length - 1;
      (superseded ? previousAttempts : turns).push(reply);
    }
  }
  if (prompt === null) prompt = instance.conversation.findLast((m) => m.role === 'user') ?? null;
  const structured = step?.status === 'succeeded' ? structuredOf(step.output) : undefined;
  return {
    kind: 'agent_step',
    ...base,
    at,
    attempt: Math.max(step?.attempt ?? 0, current ?? 0, 1),
    step,
    prompt,
    turns,
    previousAttempts,
    ...(structured !== undefined ? { structured } : {}),
  };
}

function structuredOf(output: unknown): unknown {
  if (typeof output !== 'object' || output === null || !('structured' in output)) return undefined;
  return (output as { structured?: unknown }).structured;
}
