import type { AgentMessageEvent, StepOfType } from '@weft/shared';
import type { LeafStepType, StepContext } from '../steps/types';
import { runAttempts, type AttemptResult } from './attempts';
import type { Frame, RunContext } from './context';
import { toJsonText, toJsonValue } from './json';
import { LogStream } from './log-stream';
import type { StepOutcome } from './outcomes';

/** Runs a step implemented by the registry (every type the engine does not run itself). */
export function runLeafStep({ ctx, step, frame }: { ctx: RunContext; step: StepOfType<LeafStepType>; frame: Frame }): Promise<StepOutcome> {
  // The latest checkpoint of this step instance: the grant's, then whatever this lease's attempts
  // saved, kept as JSON text and parsed only when a later attempt of this lease starts.
  let checkpoint = ctx.grant.checkpoints.find((c) => c.stepId === step.id && c.iterationPath === frame.iterationPath)?.state;
  let savedText: string | undefined;
  return runAttempts({
    ctx,
    step,
    frame,
    body: async ({ attempt, signal, trace, pauseClock }): Promise<AttemptResult> => {
      const ref = { stepId: step.id, iterationPath: frame.iterationPath, attempt };
      if (savedText !== undefined) {
        checkpoint = JSON.parse(savedText) as unknown;
        savedText = undefined;
      }
      let active = true;
      const logs = new LogStream({ emit: (stream, text) => ctx.emit({ type: 'step.log', ...ref, stream, text }) });
      const stepCtx: StepContext = {
        executionId: ctx.grant.executionId,
        workflowId: ctx.grant.workflowId,
        stepId: step.id,
        iterationPath: frame.iterationPath,
        attempt,
        signal,
        scope: frame.scope,
        workDir: ctx.workDir,
        allowBash: ctx.grant.policy.allowBash,
        operatorToolPolicy: ctx.grant.policy.toolPolicy,
        sessionId: ctx.grant.sessionId,
        ...(trace ? { traceparent: trace.traceparent } : {}),
        log: (stream, text) => {
          if (active) logs.write(stream, text);
        },
        emitMessage: (message: AgentMessageEvent) => {
          if (!active) return;
          const plain = toJsonValue(message, 'a message') as AgentMessageEvent;
          // Logs written so far go first, so the run log and the chat stay in order.
          logs.flush();
          ctx.emit({ type: 'message', ...ref, message: plain });
        },
        workspaceSnapshots: ctx.grant.workspaces ?? [],
        emitWorkspaceSnapshot: (snapshot) => {
          if (!active) return;
          logs.flush();
          ctx.emit({ type: 'workspace.snapshot', ...ref, ...snapshot });
        },
        logger: ctx.logger,
        ...(checkpoint !== undefined ? { checkpoint } : {}),
        emitCheckpoint: (state: unknown, json?: string) => {
          if (!active) return;
          // Serialised once here (or by the caller): the copy a retry resumes from is that text, and
          // the event carries the state as given, which the outbox serialises as it queues it.
          savedText = json ?? toJsonText(state, 'a checkpoint');
          ctx.emit({ type: 'step.checkpoint', ...ref, state });
        },
        pauseTimeout: pauseClock,
      };
      try {
        const output = await settleWithin({ promise: ctx.registry.run(stepCtx, step), signal, graceMs: ctx.graceMs });
        return signal.aborted ? { type: 'interrupted' } : { type: 'succeeded', output };
      } catch (error) {
        return signal.aborted ? { type: 'interrupted' } : { type: 'failed', error };
      } finally {
        active = false;
        logs.close();
      }
    },
  });
}

/** A step that ignores its aborted signal is abandoned after `graceMs`, so a cancel always completes. */
export class StepAbandonedError extends Error {
  override readonly name = 'StepAbandonedError';
}

function settleWithin<T>({ promise, signal, graceMs }: { promise: Promise<T>; signal: AbortSignal; graceMs: number }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      graceTimer = setTimeout(() => reject(new StepAbandonedError('the step did not stop after its signal aborted')), graceMs);
    };
    const cleanup = () => {
      signal.removeEventListener('abort', onAbort);
      if (graceTimer !== undefined) clearTimeout(graceTimer);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
