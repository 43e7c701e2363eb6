import { useQuery } from '@tanstack/react-query';
import { executionKeys, executionsApi } from '../api/executions';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { definitionName, parseDefinition } from '../lib/definition';

/** The run an approval belongs to, its workflow version's definition, and the workflow's name, for a card's context line. */
export function useApprovalRun({ executionId, workflowId }: { executionId: string; workflowId: string | null }) {
  const execution = useQuery({
    queryKey: executionKeys.detail(executionId),
    queryFn: ({ signal }) => executionsApi.get(executionId, signal),
  });
  const run = execution.data;
  const version = useQuery({
    queryKey: workflowKeys.version(run?.workflowId ?? '', run?.workflowVersion ?? 0),
    queryFn: ({ signal }) => workflowsApi.version(run?.workflowId ?? '', run?.workflowVersion ?? 0, signal),
    enabled: run !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const parsed = version.data ? parseDefinition(version.data.definition) : null;
  const definition = parsed?.ok ? parsed.definition : null;
  const workflow = run?.workflowName ?? (version.data ? definitionName(version.data.definition, workflowId ?? '') : (workflowId ?? ''));
  return { run, definition, workflow };
}
