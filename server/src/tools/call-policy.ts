import { resolveToolPolicy, type ToolPolicy } from '@weft/shared';
import type { AgentAsks } from '../approvals/agent-asks';
import type { ExecutionRow } from '../executions/executions-repository';
import type { ExecutionsService } from '../executions/executions-service';
import { AppError } from '../http/errors';
import { stepOfExecution } from './execution-step';
import type { ToolRegistry } from './registry';
import type { ToolContext } from './tool';

/**
 * The tool policy of an execution's call, decided on the server from the execution's stored
 * definition (the step's `toolPolicy`) and the operator's (`WEFT_TOOL_POLICY`), never from what the
 * runner says: `deny` refuses (403 `tool_denied_by_policy`), `allow` runs at once (a destructive tool
 * too), `ask` runs only with the id of an approved ask of the same step instance (execution, step,
 * iteration), tool and arguments, not yet used when approved once, and otherwise waits for a person as a held call. Undefined: not an execution's call
 * (or an unknown tool: the registry answers 404).
 */
export function policyGate({
  registry,
  executions,
  row,
  agentAsks,
  operator,
  caller,
  name,
  args,
  askApprovalId,
}: {
  registry: ToolRegistry;
  executions: ExecutionsService;
  /** The execution's row, as the caller's lease check read it. */
  row: ExecutionRow;
  agentAsks: AgentAsks;
  operator: ToolPolicy | undefined;
  caller: Pick<ToolContext, 'actor' | 'executionId' | 'stepId' | 'iterationPath'>;
  name: string;
  args: unknown;
  askApprovalId: string | undefined;
}): 'run' | 'ask' | undefined {
  if (caller.actor !== 'workflow' || caller.executionId === undefined || !registry.has(name)) return undefined;
  const step = stepOfExecution({ executions, row, stepId: caller.stepId });
  const policy = resolveToolPolicy({
    name,
    destructive: registry.isDestructive(name),
    step: step?.type === 'agent_prompt' ? step.toolPolicy : undefined,
    operator,
  });
  switch (policy.decision) {
    case 'deny': {
      const source = policy.source === 'step' ? `step ${caller.stepId}'s toolPolicy` : "the operator's WEFT_TOOL_POLICY";
      throw new AppError(403, 'tool_denied_by_policy', `name: ${name} is denied by ${source}${policy.pattern ? ` (${JSON.stringify(policy.pattern)})` : ''}`);
    }
    case 'allow':
      return 'run';
    case 'ask': {
      const approved =
        askApprovalId !== undefined &&
        caller.stepId !== undefined &&
        agentAsks.useApprovedCall({
          approvalId: askApprovalId,
          executionId: caller.executionId,
          stepId: caller.stepId,
          iterationPath: caller.iterationPath ?? '',
          tool: name,
          args,
        });
      return approved ? 'run' : 'ask';
    }
    default: {
      const never: never = policy.decision;
      throw new Error(`unknown tool policy ${String(never)}`);
    }
  }
}
