import {
  APPROVALS_TOPIC,
  isFinishedExecution,
  type ExecutionSummary,
  type InboxApproval,
  type JournalEvent,
  type MessageCompleted,
  type StepUpdated,
  type TriggerDelivery,
} from '@weft/shared';
import { boundedLabel, type Metrics } from './registry';
import type { StepTypes } from './step-types';
import type { LlmUsage } from './llm-usage';

/** Workflow ids and models given their own series; later ones are counted as `other`. */
const WORKFLOW_LABELS = 500;
/** Finished executions remembered, so a re-sent final snapshot is not counted twice. */
const FINISHED_KEPT = 10_000;

const EXECUTION_TOPIC_PREFIX = 'execution:';
/** A trigger's own topic: the triggers list keeps only the latest delivery of a batch (a snapshot). */
const TRIGGER_TOPIC_PREFIX = 'trigger:';
const FINAL_STEP = new Set(['succeeded', 'failed', 'canceled']);

/** A reason as a bounded label: its code, never the free text after it (`queued_behind:<id>`, `<code>: <message>`). */
export const reasonCode = (reason: string | undefined) => (reason ?? '').split(':', 1)[0]!.slice(0, 64);

/**
 * The metrics the journal already tells: one listener on every committed event (after COMMIT, off
 * the write path), instead of calls sprinkled through the engine. Each event is read on one topic
 * only (the execution's, the approvals list, the trigger's), never once per topic it was
 * written to.
 */
export function observeJournalEvents({ metrics, stepTypes, llm }: { metrics: Metrics; stepTypes: StepTypes; llm: LlmUsage }) {
  const workflow = boundedLabel(WORKFLOW_LABELS);
  const finished = new Set<string>();

  function execution(event: JournalEvent, e: ExecutionSummary): void {
    stepTypes.track(e);
    // The first event of an execution's topic is its creation (a snapshot replaced in its batch keeps seq 1).
    if (event.seq === 1) metrics.executionsStarted.inc({ workflow: workflow(e.workflowId) });
    if (!isFinishedExecution(e.status) || finished.has(e.id)) return;
    if (finished.size >= FINISHED_KEPT) finished.delete(finished.values().next().value as string);
    finished.add(e.id);
    metrics.executionsFinished.inc({ workflow: workflow(e.workflowId), status: e.status });
  }

  function step(s: StepUpdated): void {
    if (!FINAL_STEP.has(s.status) || s.reused || s.startedAt === null || s.finishedAt === null) return;
    const seconds = (Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000;
    if (seconds >= 0) metrics.stepDuration.observe({ type: stepTypes.typeOf(s.executionId, s.stepId), status: s.status }, seconds);
  }

  function approval(a: InboxApproval): void {
    if (!a.decision) return;
    const seconds = (Date.parse(a.decision.decidedAt) - Date.parse(a.requestedAt)) / 1000;
    if (seconds >= 0) metrics.approvalWait.observe({ kind: a.kind ?? 'step', outcome: a.status }, seconds);
  }

  function delivery(d: TriggerDelivery): void {
    if (d.kind === 'webhook') metrics.webhookDeliveries.inc({ outcome: d.status, reason: reasonCode(d.reason) });
  }

  /** Agent steps (the runner's messages) and the assistant (the server's): usage and errors in the final message's meta. */
  function message({ status, message: m }: MessageCompleted): void {
    const meta = m.meta ?? {};
    const model = typeof meta.model === 'string' ? meta.model : 'unknown';
    const source = m.executionId !== undefined ? 'agent' : 'assistant';
    if (status === 'error') llm.error({ model, source });
    const usage = meta.usage as { inputTokens?: unknown; outputTokens?: unknown } | undefined;
    if (status === 'complete' && usage) llm.tokens({ model, source, input: Number(usage.inputTokens) || 0, output: Number(usage.outputTokens) || 0 });
  }

  return (event: JournalEvent): void => {
    switch (event.type) {
      case 'execution.updated':
        if (event.topic.startsWith(EXECUTION_TOPIC_PREFIX)) execution(event, event.data);
        return;
      case 'step.updated':
        if (event.topic.startsWith(EXECUTION_TOPIC_PREFIX)) step(event.data);
        return;
      case 'approval.decided':
        if (event.topic === APPROVALS_TOPIC) approval(event.data);
        return;
      case 'delivery.recorded':
        if (event.topic.startsWith(TRIGGER_TOPIC_PREFIX)) delivery(event.data);
        return;
      case 'message.completed':
        message(event.data);
        return;
      default:
        return;
    }
  };
}
