import { cutFixText, cutLogTail, executionTopic, FIXABLE_EXECUTION_STATUSES, StepLog, type Execution, type StepRun } from '@weft/shared';
import { z } from 'zod';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError } from '../http/errors';
import type { Journal } from '../journal/journal';
import { defineTool, type ToolDefinition } from './tool';

/** How far back in a run's journal the log tail looks. */
const LOG_EVENTS_SCANNED = 2000;

export type ExecutionExplanation = {
  executionId: string;
  workflowId: string;
  workflowName: string | null;
  status: Execution['status'];
  error: { message: string } | null;
  /** The step that failed (the last failed attempt), when one did. */
  failedStep: { stepId: string; iterationPath: string; attempt: number; error: string } | null;
  /** The last lines that step wrote (stdout, stderr, notify), oldest first, cut by `cutLogTail`. */
  logTail: string[];
};

/** The last attempt that failed, else a canceled one, in the order the steps ran. */
function failedStepOf(steps: StepRun[]): StepRun | null {
  const byTime = [...steps].sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
  return byTime.findLast((s) => s.status === 'failed') ?? byTime.findLast((s) => s.status === 'canceled' && s.error !== undefined) ?? null;
}

/** Text of an error as a sentence: the message (cut as a fix's values are), never the class name. */
const errorText = (error: StepRun['error'] | Execution['error']): string => cutFixText(error?.message ?? 'no error was recorded');

/**
 * Why a run did not succeed: its failed step, that step's error and the last lines of its log (read
 * from the run's journal, where the live view reads them too). `/why` (through the tool below) and
 * `/fix` (fixes/fix-context.ts) both read runs through it.
 */
export function createRunExplainer({ executions, journal }: { executions: ExecutionsService; journal: Journal }) {
  function logTail(executionId: string, step: StepRun): string[] {
    const topic = executionTopic(executionId);
    const events = journal.read(topic, Math.max(0, journal.lastSeq(topic) - LOG_EVENTS_SCANNED), LOG_EVENTS_SCANNED);
    let text = '';
    for (const e of events) {
      if (e.type !== 'step.log') continue;
      const log = StepLog.safeParse(e.data);
      if (log.success && log.data.stepId === step.stepId && log.data.iterationPath === step.iterationPath && log.data.attempt === step.attempt) {
        text += log.data.text;
      }
    }
    // A run whose journal retention compacted keeps its logs on the step instead.
    if (text === '' && step.log !== undefined) text = step.log.map((chunk) => chunk.text).join('');
    if (text === '') {
      // No streamed log (an old run, or a step that only reports output): its captured output then.
      const out = step.output as { stdout?: unknown; stderr?: unknown } | undefined;
      text = [out?.stdout, out?.stderr].filter((t): t is string => typeof t === 'string' && t !== '').join('\n');
    }
    // The same bounded tail a fix shows (cutLogTail), so /why and /fix agree and neither floods the model.
    return cutLogTail(text.split('\n').filter((line) => line.trim() !== ''));
  }

  return {
    /** The latest failed, canceled or denied run of the chat `sessionId`, else of any chat; 404 when there is none. */
    latestUnsuccessful(sessionId: string | undefined): string {
      const newest = (q: { sessionId?: string }) =>
        FIXABLE_EXECUTION_STATUSES.flatMap((status) => executions.list({ ...q, status, limit: 1 }).executions).sort((a, b) =>
          b.createdAt.localeCompare(a.createdAt),
        )[0];
      const found = (sessionId ? newest({ sessionId }) : undefined) ?? newest({});
      if (!found) throw new AppError(404, 'not_found', 'no run has failed, been canceled or been denied yet');
      return found.id;
    },
    /** The run (404 when unknown; or the one given, already read), the record of its failed step, and the explanation. */
    explain(run: string | Execution): { execution: Execution; step: StepRun | null; explanation: ExecutionExplanation } {
      const execution = typeof run === 'string' ? executions.get(run) : run;
      const step = failedStepOf(execution.steps);
      const explanation: ExecutionExplanation = {
        executionId: execution.id,
        workflowId: execution.workflowId,
        workflowName: execution.workflowName ?? null,
        status: execution.status,
        error: execution.error ? { message: cutFixText(execution.error.message) } : null,
        failedStep: step ? { stepId: step.stepId, iterationPath: step.iterationPath, attempt: step.attempt, error: errorText(step.error) } : null,
        logTail: step ? logTail(execution.id, step) : [],
      };
      return { execution, step, explanation };
    },
  };
}

export type RunExplainer = ReturnType<typeof createRunExplainer>;

/**
 * `workflows:explain_execution`: the run explainer above as a tool. Without an id it explains the
 * latest unsuccessful run of the caller's chat, else of any chat.
 */
export function createExplainTool({ executions, journal }: { executions: ExecutionsService; journal: Journal }): ToolDefinition {
  const explainer = createRunExplainer({ executions, journal });
  return defineTool({
    name: 'workflows:explain_execution',
    description:
      'Explain why an execution did not succeed: the failed step, its error and the last lines of its log. Without `id`, the latest failed, canceled or denied execution of this chat (else of any).',
    args: z.object({ id: z.string().min(1).max(100).optional() }).strict(),
    effect: 'read',
    inWorkflows: 'allowed',
    run: (a, ctx): ExecutionExplanation => explainer.explain(a.id ?? explainer.latestUnsuccessful(ctx.sessionId)).explanation,
  });
}
