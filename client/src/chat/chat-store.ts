import {
  applyMessageDelta,
  ExecutionSummary,
  isFinishedExecution,
  Message,
  MessageCompleted,
  MessageDelta,
  StepUpdated,
  type JournalEventEnvelope,
} from '@weft/shared';
import { InboxApproval } from '../api/approvals';
import { approvalsStore } from '../approvals/approvals-store';
import { isNewerRun } from '../executions/step-runs';
import { createKeyedStore } from '../store/keyed-store';
import type { PlanStep } from './render-plan';

/** Everything the plan is built from. A new object whenever anything but streamed content changes. */
export type ChatStructure = {
  messages: readonly Message[];
  steps: readonly PlanStep[];
  executions: readonly ExecutionSummary[];
  approvals: readonly InboxApproval[];
};

/** Deltas kept for messages not loaded yet (older than the loaded page), replayed when they load. */
const MAX_ORPHAN_DELTAS = 2_000;

/**
 * One chat session in memory: messages in the server's order, step attempts, executions and
 * approvals, fed by REST pages and the `session:<id>` topic. Streamed text (deltas) changes one
 * message and notifies only its readers; anything that can move or regroup items (a new message,
 * a completed one, a step, a run, an approval) publishes a new structure for the render plan.
 */
export interface ChatStore {
  getStructure(): ChatStructure;
  subscribeStructure(listener: () => void): () => void;
  getMessage(id: string): Message | undefined;
  subscribeMessage(id: string, listener: () => void): () => void;

  /** The newest page: replaces what is loaded. */
  load(messages: readonly Message[]): void;
  /** An older page, placed before everything loaded. */
  prepend(messages: readonly Message[]): void;
  upsertMessage(message: Message): void;
  upsertExecutions(executions: readonly ExecutionSummary[]): void;
  upsertSteps(steps: readonly PlanStep[]): void;
  upsertApprovals(approvals: readonly InboxApproval[]): void;
  /** A batch of session-topic events: one notification per changed reader, one structure at most. */
  applyEvents(events: readonly JournalEventEnvelope[]): void;
}

const stepKey = (s: PlanStep) => `${s.executionId}\u0000${s.stepId}\u0000${s.iterationPath}\u0000${s.attempt}`;

export function createChatStore(): ChatStore {
  const messages = new Map<string, Message>();
  const messageStore = createKeyedStore<Message | undefined>(undefined);
  let order: string[] = [];
  const steps = new Map<string, PlanStep>();
  const executions = new Map<string, ExecutionSummary>();
  const approvals = new Map<string, InboxApproval>();
  const orphans = new Map<string, MessageDelta[]>();
  let orphanCount = 0;

  let structure: ChatStructure = { messages: [], steps: [], executions: [], approvals: [] };
  const structureListeners = new Set<() => void>();
  let dirty = false;
  const changedMessages = new Set<string>();

  const publish = () => {
    for (const id of changedMessages) messageStore.set(id, messages.get(id));
    changedMessages.clear();
    if (!dirty) return;
    dirty = false;
    structure = {
      messages: order.map((id) => messages.get(id)).filter((m): m is Message => m !== undefined),
      steps: [...steps.values()],
      executions: [...executions.values()],
      approvals: [...approvals.values()],
    };
    for (const listener of [...structureListeners]) listener();
  };

  const putMessage = (message: Message, { position }: { position: 'end' | 'keep' }) => {
    const existing = messages.get(message.id);
    // A stale copy (an older page, a created event replayed) never rolls streamed text back.
    if (existing !== undefined && existing.deltaSeq > message.deltaSeq && existing.status === message.status) return;
    if (existing === undefined && position === 'end') order.push(message.id);
    if (existing === undefined || existing.status !== message.status || existing.parts.length !== message.parts.length) dirty = true;
    let next = message;
    const pending = orphans.get(message.id);
    if (pending !== undefined) {
      orphans.delete(message.id);
      orphanCount -= pending.length;
      for (const delta of pending) next = safeApply(next, delta);
    }
    messages.set(message.id, next);
    changedMessages.add(message.id);
  };

  const applyDelta = (delta: MessageDelta) => {
    const message = messages.get(delta.messageId);
    if (message === undefined) {
      if (orphanCount >= MAX_ORPHAN_DELTAS) return;
      const list = orphans.get(delta.messageId) ?? [];
      list.push(delta);
      orphans.set(delta.messageId, list);
      orphanCount++;
      return;
    }
    const next = safeApply(message, delta);
    if (next === message) return;
    // A new part (a tool call starting) can change how the item reads; text growing cannot.
    if (next.parts.length !== message.parts.length) dirty = true;
    messages.set(message.id, next);
    changedMessages.add(message.id);
  };

  const putStep = (step: PlanStep) => {
    const key = stepKey(step);
    const current = steps.get(key);
    if (current !== undefined && !isNewerRun(step, current)) return;
    if (current !== undefined && current.status === step.status && current.finishedAt === step.finishedAt && current.output === step.output) return;
    steps.set(key, step);
    dirty = true;
  };

  const putExecution = (summary: ExecutionSummary) => {
    const current = executions.get(summary.id);
    if (current !== undefined && isFinishedExecution(current.status) && !isFinishedExecution(summary.status)) return;
    if (current !== undefined && current.status === summary.status && current.finishedAt === summary.finishedAt) return;
    executions.set(summary.id, { ...summary, workflowName: summary.workflowName ?? current?.workflowName });
    dirty = true;
  };

  const putApproval = (approval: InboxApproval) => {
    const current = approvals.get(approval.id);
    if (current !== undefined && current.status !== 'pending' && approval.status === 'pending') return;
    if (current !== undefined && current.status === approval.status) return;
    approvals.set(approval.id, approval);
    dirty = true;
  };

  const applyEvent = (event: JournalEventEnvelope) => {
    switch (event.type) {
      case 'message.created': {
        const parsed = Message.safeParse(event.data);
        if (parsed.success) putMessage(parsed.data, { position: 'end' });
        return;
      }
      case 'message.delta': {
        const parsed = MessageDelta.safeParse(event.data);
        if (parsed.success) applyDelta(parsed.data);
        return;
      }
      case 'message.completed': {
        const parsed = MessageCompleted.safeParse(event.data);
        if (parsed.success && messages.has(parsed.data.messageId)) putMessage(parsed.data.message, { position: 'keep' });
        return;
      }
      case 'execution.updated': {
        const parsed = ExecutionSummary.safeParse(event.data);
        if (parsed.success) putExecution(parsed.data);
        return;
      }
      case 'step.updated': {
        const parsed = StepUpdated.safeParse(event.data);
        if (parsed.success) putStep(parsed.data);
        return;
      }
      case 'approval.requested':
      case 'approval.decided':
      case 'approval.decision_recorded':
      case 'approval.closed': {
        const parsed = InboxApproval.safeParse(event.data);
        if (!parsed.success) return;
        approvalsStore.upsert(parsed.data);
        putApproval(parsed.data);
        return;
      }
      default:
        return;
    }
  };

  return {
    getStructure: () => structure,
    subscribeStructure(listener) {
      structureListeners.add(listener);
      return () => structureListeners.delete(listener);
    },
    getMessage: (id) => messageStore.get(id),
    subscribeMessage: (id, listener) => messageStore.subscribe(id, listener),

    load(page) {
      order = [];
      for (const message of page) putMessage(message, { position: 'end' });
      dirty = true;
      publish();
    },
    prepend(page) {
      const fresh = page.filter((m) => !messages.has(m.id));
      order = [...fresh.map((m) => m.id), ...order];
      for (const message of fresh) putMessage(message, { position: 'keep' });
      dirty = true;
      publish();
    },
    upsertMessage(message) {
      putMessage(message, { position: 'end' });
      publish();
    },
    upsertExecutions(list) {
      for (const summary of list) putExecution(summary);
      publish();
    },
    upsertSteps(list) {
      for (const step of list) putStep(step);
      publish();
    },
    upsertApprovals(list) {
      for (const approval of list) putApproval(approval);
      approvalsStore.upsertMany(list);
      publish();
    },
    applyEvents(events) {
      for (const event of events) applyEvent(event);
      publish();
    },
  };
}

function safeApply(message: Message, delta: MessageDelta): Message {
  try {
    return applyMessageDelta(message, delta).message;
  } catch {
    // A delta that does not fit (a part out of range) is dropped; the completed message repairs it.
    return message;
  }
}
