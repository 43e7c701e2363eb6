import './executions.css';
import { useInfiniteQuery, useQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { EXECUTIONS_TOPIC, ExecutionStatus, ExecutionSummary, isFinishedExecution } from '@weft/shared';
import { useId } from 'react';
import { Link, useSearchParams } from 'react-router';
import { topicHead } from '../api/events';
import { executionKeys, executionsApi, type ExecutionFilter, type ExecutionListResponse } from '../api/executions';
import { useLiveStatus, useTopicBatches } from '../api/live-socket';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { ExecutionsIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel, isMissingEndpoint, UnavailablePanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonRows } from '../components/Skeleton';
import { StatusPill } from '../components/StatusPill';
import { formatElapsed } from '../lib/elapsed';
import { LiveIndicator } from './LiveIndicator';
import { StartedByText } from './StartedByText';
import { definitionName } from '../lib/definition';
import { runPath } from '../lib/paths';

const PAGE = 50;

function matches(filter: ExecutionFilter, execution: ExecutionSummary): boolean {
  return (filter.workflowId === undefined || execution.workflowId === filter.workflowId) && (filter.status === undefined || execution.status === filter.status);
}

/** Applies one `execution.updated` to the cached pages: updates the row in place, or adds a new run on top. */
function applySummary(data: InfiniteData<ExecutionListResponse> | undefined, filter: ExecutionFilter, summary: ExecutionSummary) {
  if (data === undefined) return data;
  let found = false;
  const pages = data.pages.map((page) => {
    const index = page.executions.findIndex((e) => e.id === summary.id);
    if (index === -1) return page;
    found = true;
    const current = page.executions[index]!;
    if (isFinishedExecution(current.status) && !isFinishedExecution(summary.status)) return page;
    const executions = matches(filter, summary)
      ? page.executions.map((e, i) => (i === index ? { ...summary, workflowName: summary.workflowName ?? current.workflowName } : e))
      : page.executions.filter((_, i) => i !== index);
    return { ...page, executions };
  });
  if (!found && matches(filter, summary) && pages[0] !== undefined) {
    const newest = pages[0].executions[0];
    // Only runs newer than the top row are new; anything older is already past the first page.
    if (newest === undefined || summary.createdAt >= newest.createdAt) pages[0] = { ...pages[0], executions: [summary, ...pages[0].executions] };
  }
  return { ...data, pages };
}

export function ExecutionsPage() {
  const [search, setSearch] = useSearchParams();
  const queryClient = useQueryClient();
  const liveStatus = useLiveStatus();
  const statusParam = ExecutionStatus.safeParse(search.get('status'));
  const filter: ExecutionFilter = {
    ...(search.get('workflow') ? { workflowId: search.get('workflow')! } : {}),
    ...(statusParam.success ? { status: statusParam.data } : {}),
  };
  const statusId = useId();
  const workflowId = useId();

  // The topic's head first, then the list: following the topic from that head misses nothing.
  const head = useQuery({
    queryKey: [...executionKeys.all, 'head', filter],
    queryFn: ({ signal }) => topicHead(EXECUTIONS_TOPIC, signal),
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  const executions = useInfiniteQuery({
    queryKey: executionKeys.list(filter),
    queryFn: ({ signal, pageParam }) => executionsApi.list({ ...filter, limit: PAGE, ...(pageParam ? { before: pageParam } : {}) }, signal),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    enabled: head.isFetched,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  const workflows = useQuery({ queryKey: workflowKeys.list(), queryFn: ({ signal }) => workflowsApi.list(signal) });

  // Live status from the `executions` topic: every run's `execution.updated`, no polling.
  useTopicBatches(
    EXECUTIONS_TOPIC,
    (events) => {
      const summaries = events.flatMap((event) => {
        const parsed = event.type === 'execution.updated' ? ExecutionSummary.safeParse(event.data) : null;
        return parsed?.success ? [parsed.data] : [];
      });
      if (summaries.length === 0) return;
      queryClient.setQueryData<InfiniteData<ExecutionListResponse>>(executionKeys.list(filter), (data) =>
        summaries.reduce((acc, summary) => applySummary(acc, filter, summary), data),
      );
    },
    { after: head.data ?? 0, enabled: head.isSuccess && executions.isSuccess },
  );

  const setFilter = (key: 'status' | 'workflow', value: string) => {
    const next = new URLSearchParams(search);
    if (value === '') next.delete(key);
    else next.set(key, value);
    setSearch(next, { replace: true });
  };
  const rows = executions.data?.pages.flatMap((page) => page.executions) ?? [];
  const filtered = filter.status !== undefined || filter.workflowId !== undefined;

  return (
    <div className="page">
      <title>Executions · Weft</title>
      <PageHeader
        title="Executions"
        subtitle={<>Every run of every workflow, newest first. {executions.isSuccess && <LiveIndicator status={liveStatus} />}</>}
      />
      <search className="filters" aria-label="Filter executions">
        <label className="filters__field" htmlFor={statusId}>
          <span>Status</span>
          <select id={statusId} className="input" value={filter.status ?? ''} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">Any status</option>
            {ExecutionStatus.options.map((status) => (
              <option key={status} value={status}>
                {status[0]!.toUpperCase() + status.slice(1)}
              </option>
            ))}
          </select>
        </label>
        <label className="filters__field" htmlFor={workflowId}>
          <span>Workflow</span>
          <select id={workflowId} className="input" value={filter.workflowId ?? ''} onChange={(e) => setFilter('workflow', e.target.value)}>
            <option value="">Every workflow</option>
            {(workflows.data ?? []).map((workflow) => (
              <option key={workflow.id} value={workflow.id}>
                {definitionName(workflow.definition, workflow.id)}
              </option>
            ))}
            {filter.workflowId !== undefined && !(workflows.data ?? []).some((w) => w.id === filter.workflowId) && (
              <option value={filter.workflowId}>{filter.workflowId}</option>
            )}
          </select>
        </label>
        {filtered && (
          <button type="button" className="btn btn--ghost btn--small" onClick={() => setSearch({}, { replace: true })}>
            Clear filters
          </button>
        )}
      </search>
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
      ) : rows.length === 0 ? (
        <EmptyPanel icon={<ExecutionsIcon />} title={filtered ? 'No runs match these filters' : 'No executions yet'}>
          {filtered ? 'Try another status or workflow.' : 'Run a workflow from chat, a schedule or a webhook, and its runs appear here.'}
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
            {rows.map((execution) => {
              const start = execution.startedAt ?? execution.createdAt;
              const end = execution.finishedAt;
              const duration = end !== null && isFinishedExecution(execution.status) ? formatElapsed(Date.parse(end) - Date.parse(start)) : '—';
              return (
                <li key={execution.id} data-execution-id={execution.id} data-status={execution.status}>
                  <Link to={runPath(execution.id)} className="list__row list__row--link">
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
                      <StartedByText startedBy={execution.startedBy} linked={false} />
                    </span>
                    <span className="list__meta list__meta--right">{duration}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
          {executions.hasNextPage && (
            <div className="list__more">
              <button type="button" className="btn" disabled={executions.isFetchingNextPage} onClick={() => void executions.fetchNextPage()}>
                {executions.isFetchingNextPage ? 'Loading…' : 'Show older runs'}
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
