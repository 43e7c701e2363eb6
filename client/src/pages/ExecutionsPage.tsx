import { useQuery } from '@tanstack/react-query';
import { isFinishedExecution } from '@weft/shared';
import { Link } from 'react-router';
import { executionKeys, executionsApi } from '../api/executions';
import { ExecutionsIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel, isMissingEndpoint, UnavailablePanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonRows } from '../components/Skeleton';
import { StatusPill } from '../components/StatusPill';
import { formatElapsed } from '../diagram/step-display';

const REFRESH_MS = 5_000;

export function ExecutionsPage() {
  const executions = useQuery({
    queryKey: executionKeys.list(),
    queryFn: ({ signal }) => executionsApi.list(signal),
    refetchInterval: (query) => (query.state.error ? false : REFRESH_MS),
  });

  return (
    <div className="page">
      <title>Executions · Weft</title>
      <PageHeader title="Executions" subtitle="Every run of every workflow, newest first." />
      {executions.isPending ? (
        <div className="card">
          <SkeletonRows label="Loading executions" rows={6} columns={3} />
        </div>
      ) : executions.isError && isMissingEndpoint(executions.error) ? (
        <UnavailablePanel title="Executions are not available yet" onRetry={() => void executions.refetch()} retrying={executions.isFetching}>
          This server does not have the executions API yet. Once it does, runs appear here with their status, duration and every step.
        </UnavailablePanel>
      ) : executions.isError ? (
        <ErrorPanel error={executions.error} title="Could not load executions" onRetry={() => void executions.refetch()} retrying={executions.isFetching} />
      ) : executions.data.executions.length === 0 ? (
        <EmptyPanel icon={<ExecutionsIcon />} title="No executions yet">
          Run a workflow from chat, a schedule or a webhook, and its runs appear here.
        </EmptyPanel>
      ) : (
        <div className="card executions-list">
          <div className="list__head" aria-hidden="true">
            <span>Status</span>
            <span>Workflow</span>
            <span>Started</span>
            <span className="list__meta--right">Duration</span>
          </div>
          <ul className="list" aria-label="Executions">
            {executions.data.executions.map((execution) => {
              const start = execution.startedAt ?? execution.createdAt;
              const end = execution.finishedAt;
              const duration = end !== null && isFinishedExecution(execution.status) ? formatElapsed(Date.parse(end) - Date.parse(start)) : '—';
              return (
                <li key={execution.id}>
                  <Link to={`/automation/executions/${encodeURIComponent(execution.id)}`} className="list__row list__row--link">
                    <span>
                      <StatusPill status={execution.status} />
                    </span>
                    <span className="list__primary">
                      <span className="list__title">{execution.workflowName ?? execution.workflowId}</span>
                      <span className="list__desc muted mono">
                        v{execution.workflowVersion} · {execution.id}
                      </span>
                    </span>
                    <span className="list__meta">
                      <RelativeTime iso={execution.createdAt} />
                    </span>
                    <span className="list__meta list__meta--right">{duration}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </div>
  );
}
