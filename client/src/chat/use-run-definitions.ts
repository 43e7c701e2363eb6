import { useQueries } from '@tanstack/react-query';
import { walkSteps, type ExecutionSummary, type WorkflowDefinition } from '@weft/shared';
import { useMemo } from 'react';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { definitionName, parseDefinition } from '../lib/definition';

export type RunDefinition = {
  name: string;
  definition: WorkflowDefinition | null;
  /** Step id -> step type: tells the render plan which steps are agent containers, which are structural. */
  stepTypes: Record<string, string>;
};

const dataOf = <T>(results: { data: T | undefined }[]): (T | undefined)[] => results.map((r) => r.data);

/** The pinned definition of every run in the chat (one request per workflow version), by execution id. */
export function useRunDefinitions(executions: readonly ExecutionSummary[]): ReadonlyMap<string, RunDefinition> {
  const versions = useMemo(() => {
    const seen = new Map<string, { workflowId: string; version: number }>();
    for (const e of executions) seen.set(`${e.workflowId}@${e.workflowVersion}`, { workflowId: e.workflowId, version: e.workflowVersion });
    return [...seen.values()];
  }, [executions]);

  const definitions = useQueries({
    queries: versions.map(({ workflowId, version }) => ({
      queryKey: workflowKeys.version(workflowId, version),
      queryFn: ({ signal }: { signal: AbortSignal }) => workflowsApi.version(workflowId, version, signal),
      staleTime: Number.POSITIVE_INFINITY,
    })),
    combine: dataOf,
  });

  return useMemo(() => {
    const byVersion = new Map<string, RunDefinition>();
    versions.forEach(({ workflowId, version }, i) => {
      const data = definitions[i];
      if (data === undefined) return;
      const parsed = parseDefinition(data.definition);
      const definition = parsed.ok ? parsed.definition : null;
      const stepTypes: Record<string, string> = {};
      if (definition !== null) {
        walkSteps(definition.steps, ({ step }) => {
          stepTypes[step.id] = step.type;
        });
      }
      byVersion.set(`${workflowId}@${version}`, { name: definitionName(data.definition, workflowId), definition, stepTypes });
    });
    const byExecution = new Map<string, RunDefinition>();
    for (const e of executions) {
      const found = byVersion.get(`${e.workflowId}@${e.workflowVersion}`);
      if (found !== undefined) byExecution.set(e.id, { ...found, name: e.workflowName ?? found.name });
    }
    return byExecution;
  }, [versions, definitions, executions]);
}
