import type { RunnerEventBody } from '@weft/shared';
import type { Logger } from '../log';

const MAX_ERROR_CHARS = 500;

/**
 * The runner's log line for a step event, carrying `executionId` and `stepId` so one grep follows a
 * run: failures at warn (what an operator looks for), progress at debug (one line per event, off
 * at the default level). Outputs, inputs and step logs stay out: they are data, and the run log
 * already holds them.
 */
export function logStepEvent(logger: Logger, executionId: string, body: RunnerEventBody): void {
  switch (body.type) {
    case 'step.started':
    case 'step.succeeded':
      logger.debug(body.type === 'step.started' ? 'step started' : 'step succeeded', { executionId, ...stepFields(body) });
      return;
    case 'step.failed':
      logger.warn(body.retryInMs === undefined ? 'step failed' : 'step failed; retrying', {
        executionId,
        ...stepFields(body),
        error: { name: body.error.name, message: body.error.message.slice(0, MAX_ERROR_CHARS) },
        ...(body.retryInMs === undefined ? {} : { retryInMs: body.retryInMs }),
      });
      return;
    case 'step.canceled':
      logger.info('step canceled', { executionId, ...stepFields(body), reason: body.reason });
      return;
    case 'step.waiting':
      logger.info('step waiting', { executionId, ...stepFields(body), waitingFor: body.wait.kind });
      return;
    case 'step.skipped':
      logger.debug('step skipped', { executionId, ...stepFields(body), reason: body.reason });
      return;
    case 'step.log':
    case 'message':
    case 'step.checkpoint':
    case 'workspace.snapshot':
    case 'execution.finished':
      // Step output and chat messages are the run's data; the execution's end is logged by the engine.
      return;
    default: {
      const unexpected: never = body;
      throw new Error(`unknown runner event ${JSON.stringify(unexpected)}`);
    }
  }
}

function stepFields(body: { stepId: string; iterationPath: string; attempt?: number }) {
  return {
    stepId: body.stepId,
    ...(body.iterationPath === '' ? {} : { iterationPath: body.iterationPath }),
    ...(body.attempt === undefined ? {} : { attempt: body.attempt }),
  };
}
