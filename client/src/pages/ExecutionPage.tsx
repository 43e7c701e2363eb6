import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { isFinishedExecution, type StepRun } from '@weft/shared';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { executionKeys, executionsApi } from '../api/executions';
import { isApiError } from '../api/http';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ExecutionsIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { describeError, EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonLine } from '../components/Skeleton';
import { StatusPill } from '../components/StatusPill';
import { StepInspector } from '../components/StepInspector';
import { STATUS_LABELS, formatElapsed } from '../diagram/step-display';
import { WorkflowDiagram } from '../diagram/WorkflowDiagram';
import { parseDefinition } from '../lib/definition';
import type { StepState } from '../store/step-status-store';

/** Until the live socket lands in the client, an unfinished run is polled. */
const POLL_MS = 2_000;

export function ExecutionPage() {
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const [selectedStepId, setSelectedStepId] = useState<string | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);

  const execution = useQuery({
    queryKey: executionKeys.detail(id),
    queryFn: ({ signal }) => executionsApi.get(id, signal),
    refetchInterval: (query) => (query.state.data && !isFinishedExecution(query.state.data.status) ? POLL_MS : false),
  });
  const run = execution.data;
  const version = useQuery({
    queryKey: workflowKeys.version(run?.workflowId ?? '', run?.workflowVersion ?? 0),
    queryFn: ({ signal }) => workflowsApi.version(run?.workflowId ?? '', run?.workflowVersion ?? 0, signal),
    enabled: run !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const parsed = useMemo(() => (version.data ? parseDefinition(version.data.definition) : null), [version.data]);
  // Query results share structure, so `steps` keeps its identity while nothing changes.
  const stepStates = useMemo<StepState[]>(
    () =>
      (run?.steps ?? []).map((step) => ({
        stepId: step.stepId,
        iterationPath: step.iterationPath,
        status: step.status,
        attempt: step.attempt,
        startedAt: step.startedAt,
        finishedAt: step.finishedAt,
      })),
    [run?.steps],
  );

  const cancel = useMutation({
    mutationFn: () => executionsApi.cancel(id),
    onSuccess: (canceled) => {
      queryClient.setQueryData(executionKeys.detail(id), canceled);
      void queryClient.invalidateQueries({ queryKey: executionKeys.list() });
      setConfirmCancel(false);
    },
  });

  if (run === undefined) {
    if (execution.isPending) {
      return (
        <div className="page" aria-busy="true">
          <SkeletonLine width={280} height={24} />
          <div className="card" style={{ height: 480 }} />
        </div>
      );
    }
    return (
      <div className="page">
        {isApiError(execution.error) && execution.error.status === 404 ? (
          <EmptyPanel
            icon={<ExecutionsIcon />}
            title="Execution not found"
            actions={
              <Link to="/automation/executions" className="btn">
                All executions
              </Link>
            }
          >
            There is no such execution, or this server does not have the executions API yet.
          </EmptyPanel>
        ) : (
          <ErrorPanel error={execution.error} title="Could not load this execution" onRetry={() => void execution.refetch()} retrying={execution.isFetching} />
        )}
      </div>
    );
  }

  const name = run.workflowName ?? run.workflowId;
  const finished = isFinishedExecution(run.status);
  const started = run.startedAt ?? run.createdAt;
  const selectedRuns = selectedStepId === null ? [] : run.steps.filter((step) => step.stepId === selectedStepId);

  return (
    <div className="page page--wide">
      <title>{`${name} run · Weft`}</title>
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/automation/executions">Executions</Link>
            <span aria-hidden="true">/</span>
          </>
        }
        title={
          <span style={{ display: 'inline-flex', alignItems: 'center', gap: 12 }}>
            {name} <StatusPill status={run.status} />
          </span>
        }
        subtitle={
          <span className="meta-row">
            <Link to={`/automation/workflows/${encodeURIComponent(run.workflowId)}?version=${run.workflowVersion}`}>v{run.workflowVersion}</Link>
            <span>
              Started <RelativeTime iso={started} />
            </span>
            {run.finishedAt !== null && <span>Took {formatElapsed(Date.parse(run.finishedAt) - Date.parse(started))}</span>}
            <span className="mono">{run.id}</span>
          </span>
        }
        actions={
          !finished && (
            <button type="button" className="btn btn--danger-ghost" onClick={() => setConfirmCancel(true)}>
              Cancel run
            </button>
          )
        }
      />
      {run.error !== undefined && (
        <div className="alert alert--error" role="alert">
          <div className="alert__body">
            <strong>{run.error.name}:</strong> {run.error.message}
          </div>
        </div>
      )}

      <div className="workflow-layout">
        <section className="card diagram-card" aria-label="Diagram">
          <div className="card__header">
            <h2>Steps</h2>
            {!finished && <span className="muted">Refreshing every {POLL_MS / 1000} s</span>}
          </div>
          {version.isPending ? (
            <div className="wf-diagram" aria-busy="true" />
          ) : version.isError ? (
            <div className="card__body">
              <ErrorPanel error={version.error} title="Could not load the workflow version" onRetry={() => void version.refetch()} retrying={version.isFetching} />
            </div>
          ) : parsed?.ok ? (
            <WorkflowDiagram
              definition={parsed.definition}
              mode="runtime"
              stepStates={stepStates}
              selectedStepId={selectedStepId}
              onSelectStep={setSelectedStepId}
              aria-label={`Run of ${name}`}
            />
          ) : (
            <div className="card__body">
              <div className="alert alert--error">
                <div className="alert__body">This version cannot be drawn: {parsed?.ok === false ? parsed.message : 'no definition'}.</div>
              </div>
            </div>
          )}
        </section>
        <div className="workflow-side">
          {selectedStepId !== null && parsed?.ok ? (
            <section className="card" aria-label="Selected step">
              <div className="card__header">
                <h2>Step</h2>
                <button type="button" className="btn btn--ghost btn--small" onClick={() => setSelectedStepId(null)}>
                  Close
                </button>
              </div>
              <div className="card__body">
                <StepInspector definition={parsed.definition} stepId={selectedStepId}>
                  <StepRuns runs={selectedRuns} />
                </StepInspector>
              </div>
            </section>
          ) : (
            <section className="card">
              <div className="card__body muted">Select a step to see its input, output and errors.</div>
            </section>
          )}
        </div>
      </div>

      <ConfirmDialog
        open={confirmCancel}
        title="Cancel this run?"
        confirmLabel="Cancel run"
        tone="danger"
        busy={cancel.isPending}
        error={cancel.isError ? describeError(cancel.error) : undefined}
        onCancel={() => {
          setConfirmCancel(false);
          cancel.reset();
        }}
        onConfirm={() => cancel.mutate()}
      >
        Running steps are stopped and nothing after them runs. This cannot be undone, but you can run the workflow again.
      </ConfirmDialog>
    </div>
  );
}

function StepRuns({ runs }: { runs: StepRun[] }) {
  if (runs.length === 0) return <p className="muted">This step has not run.</p>;
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
      {runs.map((run) => (
        <div key={`${run.iterationPath}#${run.attempt}`} className="inspector">
          <dl>
            {run.iterationPath !== '' && (
              <>
                <dt>Iteration</dt>
                <dd className="mono">{run.iterationPath}</dd>
              </>
            )}
            <dt>Status</dt>
            <dd>
              {STATUS_LABELS[run.status]}
              {run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}
              {run.reused ? ' · reused from an earlier run' : ''}
            </dd>
            {run.startedAt !== null && run.finishedAt !== null && (
              <>
                <dt>Duration</dt>
                <dd>{formatElapsed(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}</dd>
              </>
            )}
            {run.error !== undefined && (
              <>
                <dt>Error</dt>
                <dd style={{ color: 'var(--danger)' }}>{run.error.message}</dd>
              </>
            )}
          </dl>
          {run.input !== undefined && (
            <details>
              <summary>Input</summary>
              <pre className="code-block">{JSON.stringify(run.input, null, 2)}</pre>
            </details>
          )}
          {run.output !== undefined && (
            <details open>
              <summary>Output</summary>
              <pre className="code-block">{JSON.stringify(run.output, null, 2)}</pre>
            </details>
          )}
        </div>
      ))}
    </div>
  );
}
