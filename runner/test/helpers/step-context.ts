import type { AgentMessageEvent, ExpressionScope } from '@weft/shared';
import { silentLogger } from '../../src/log';
import type { StepContext, StepLogStream, WorkspaceSnapshotEvent } from '../../src/steps/types';
import { tempDataDir } from './engine-harness';

export type TestStepContext = StepContext & {
  logs: { stream: StepLogStream; text: string }[];
  messages: AgentMessageEvent[];
  snapshots: WorkspaceSnapshotEvent[];
  controller: AbortController;
};

/** A step context with recording `log`/`emitMessage` and an abort controller the test holds. */
export function stepContext(overrides: Partial<StepContext> & { scope?: ExpressionScope } = {}): TestStepContext {
  const controller = new AbortController();
  const logs: { stream: StepLogStream; text: string }[] = [];
  const messages: AgentMessageEvent[] = [];
  const snapshots: WorkspaceSnapshotEvent[] = [];
  return {
    executionId: 'exe_step_test',
    workflowId: 'wf_test',
    stepId: 'step_one',
    iterationPath: '',
    attempt: 1,
    signal: controller.signal,
    scope: { inputs: {}, steps: {}, trigger: null },
    workDir: tempDataDir(),
    allowBash: true,
    sessionId: null,
    log: (stream, text) => logs.push({ stream, text }),
    emitMessage: (message) => messages.push(message),
    workspaceSnapshots: [],
    emitWorkspaceSnapshot: (snapshot) => snapshots.push(snapshot),
    logger: silentLogger,
    ...overrides,
    logs,
    messages,
    snapshots,
    controller,
  };
}
