import { workspaceKey, type WorkspaceSpec } from '@weft/shared';
import type { StepEnvironment } from '../steps/bash';
import type { Sandbox } from '../steps/sandbox';
import type { StepContext } from '../steps/types';
import { createWorkspaceTools, renderWorkspaceSpec, reportWorkspace, workspaceStepError, type WorkspaceManager } from '../workspace/index';
import type { AgentWorkspace, AgentWorkspaces } from './workspace-port';

/**
 * Agent workspaces from the runner's workspace manager: the step's spec rendered, the workspace
 * acquired (rebuilt from the grant's snapshot when this process has not provisioned it), and the
 * `workspace:*` tools bound to it with the bash step's minimal environment and Weft's context.
 */
export function agentWorkspaces({
  manager,
  environment,
  sandbox,
  runnerName,
}: {
  manager: WorkspaceManager;
  environment: StepEnvironment;
  /** Where `workspace:bash` commands run; none when not given. */
  sandbox?: Sandbox;
  runnerName: string;
}): AgentWorkspaces {
  return {
    async open(ctx: StepContext, spec: WorkspaceSpec): Promise<AgentWorkspace> {
      try {
        const resolved = renderWorkspaceSpec(spec, ctx.scope);
        const key = workspaceKey(resolved);
        const restore = ctx.workspaceSnapshots.find((entry) => entry.key === key);
        const workspace = await manager.acquire({
          executionId: ctx.executionId,
          workflowId: ctx.workflowId,
          stepId: ctx.stepId,
          iterationPath: ctx.iterationPath,
          workDir: ctx.workDir,
          spec: resolved,
          ...(restore ? { restore: { baseCommit: restore.baseCommit, diff: restore.diff } } : {}),
          signal: ctx.signal,
          log: (stream, text) => ctx.log(stream, text),
        });
        const tools = createWorkspaceTools({
          workspace,
          environment,
          ...(sandbox ? { sandbox } : {}),
          allowBash: ctx.allowBash,
          extraEnv: {
            WEFT_EXECUTION_ID: ctx.executionId,
            WEFT_WORKFLOW_ID: ctx.workflowId,
            WEFT_STEP_ID: ctx.stepId,
            WEFT_ATTEMPT: String(ctx.attempt),
            WEFT_ITERATION_PATH: ctx.iterationPath,
            WEFT_RUNNER_NAME: runnerName,
          },
        });
        // The workspace's token when this step last sent its snapshot (null: none sent, or not known).
        let sent: string | null = null;
        // A write or an edit changed a file for certain: its snapshot is sent whatever the token says.
        let changedForCertain = false;
        return {
          key: workspace.key,
          tools: tools.tools,
          preview: (name, input) => tools.preview(name, input),
          call: async (name, input, options) => {
            const result = await tools.call(name, input, options);
            if (result.mutated && name !== 'workspace:bash') changedForCertain = true;
            return result;
          },
          snapshotIfChanged: async () => {
            // Taken before the snapshot: whatever changes in between makes the next token differ.
            // Taken after a write too, so the next call that changes nothing sends nothing.
            const token = await workspace.fingerprint().catch(() => null);
            const certain = changedForCertain;
            changedForCertain = false;
            if (!certain && token !== null && token === sent) return null;
            sent = token;
            return (await reportWorkspace(workspace)).snapshot;
          },
          report: () => reportWorkspace(workspace),
          release: () => workspace.release(),
        };
      } catch (error) {
        throw workspaceStepError(error);
      }
    },
  };
}
