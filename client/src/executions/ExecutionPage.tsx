import './executions.css';
import { useMutation, useQuery } from '@tanstack/react-query';
import { NodeToolbar, Position } from '@xyflow/react';
import { isFinishedExecution, isFixableExecution, type StepRun } from '@weft/shared';
import { useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { InboxApproval } from '../api/approvals';
import { executionsApi } from '../api/executions';
import { isApiError } from '../api/http';
import { useLiveStatus } from '../api/live-socket';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { ApprovalCard } from '../approvals/ApprovalCard';
import { useLiveApproval } from '../approvals/approvals-store';
import { isAgentAsk } from '../approvals/AgentAskCard';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ExecutionsIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { describeError, EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SelectedStepCard } from '../components/SelectedStepCard';
import { SkeletonLine } from '../components/Skeleton';
import { StatusPill } from '../components/StatusPill';
import { StepInspector } from '../components/StepInspector';
import { formatElapsed } from '../lib/elapsed';
import { WorkflowDiagram } from '../diagram/WorkflowDiagram';
import { UndrawableDefinition } from '../diagram/UndrawableDefinition';
import { LiveIndicator } from './LiveIndicator';
import { RerunDialog } from './RerunDialog';
import { FixWithAssistantButton, RunFixesSection } from './RunFixes';
import { StartedByText } from './StartedByText';
import { StepAttempts } from './StepAttempts';
import { StepTrace } from './StepTrace';
import { useLiveExecution } from './use-live-execution';
import { VariablesPanel } from './VariablesPanel';
import { hasUsage, runUsage } from './run-usage';
import { formatCostUsd } from '../chat/step-facts';
import { RunTimeline } from './timeline/RunTimeline';
import { useTimeTravel } from './timeline/use-time-travel';
import { parseDefinition } from '../lib/definition';
import { useGate } from '../auth/Gate';
import { stepErrorSentence } from '../lib/error-sentence';
import { runPath } from '../lib/paths';

export function ExecutionPage() {
  const { id = '' } = useParams();
  const { query: execution, state: liveState, statusStore: liveStatusStore } = useLiveExecution(id);
  // Time travel: before the playhead's end the page shows the run replayed from its journal.
  const travel = useTimeTravel(id, execution.data, liveState);
  const state = travel.state ?? liveState;
  const statusStore = travel.statusStore ?? liveStatusStore;
  const liveStatus = useLiveStatus();
  // `?step=` opens a step at once: chat answers link to the step they talk about.
  const [search] = useSearchParams();
  const [selectedStepId, setSelectedStepId] = useState<string | null>(search.get('step'));
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [rerunOpen, setRerunOpen] = useState(false);
  const runGate = useGate('run');

  const summary = state?.summary;
  const version = useQuery({
    queryKey: workflowKeys.version(summary?.workflowId ?? '', summary?.workflowVersion ?? 0),
    queryFn: ({ signal }) => workflowsApi.version(summary?.workflowId ?? '', summary?.workflowVersion ?? 0, signal),
    enabled: summary !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const parsed = useMemo(() => (version.data ? parseDefinition(version.data.definition) : null), [version.data]);
  const definition = parsed?.ok ? parsed.definition : null;
  const runsById = state?.runs;
  const runs = useMemo<StepRun[]>(() => (runsById ? [...runsById.values()] : []), [runsById]);

  const cancel = useMutation({
    mutationFn: () => executionsApi.cancel(id),
    onSuccess: () => setConfirmCancel(false),
  });

  if (state === null || summary === undefined) {
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
        {isApiError(execution.error) && execution.error.code === 'execution_pruned' ? (
          <EmptyPanel
            icon={<ExecutionsIcon />}
            title="Run pruned"
            actions={
              <Link to="/automation/executions" className="btn">
                All executions
              </Link>
            }
          >
            Run {id} was pruned: this server keeps finished runs for a limited time (its retention settings), and this one is gone with its steps and logs.
          </EmptyPanel>
        ) : isApiError(execution.error) && execution.error.status === 404 ? (
          <EmptyPanel
            icon={<ExecutionsIcon />}
            title="Execution not found"
            actions={
              <Link to="/automation/executions" className="btn">
                All executions
              </Link>
            }
          >
            There is no such execution. It may have been started on another server.
          </EmptyPanel>
        ) : (
          <ErrorPanel error={execution.error} title="Could not load this execution" onRetry={() => void execution.refetch()} retrying={execution.isFetching} />
        )}
      </div>
    );
  }

  const name = summary.workflowName ?? (version.data && typeof version.data.definition.name === 'string' ? version.data.definition.name : summary.workflowId);
  // Cancel and the live dot follow the run as it is now, whatever instant the page shows.
  const nowStatus = (liveState?.summary ?? summary).status;
  const finished = isFinishedExecution(nowStatus);
  const started = summary.startedAt ?? summary.createdAt;
  const selectedRuns = selectedStepId === null ? [] : runs.filter((run) => run.stepId === selectedStepId);
  const approvals = [...state.approvals.values()];
  const waiting = approvals.filter((a) => a.status === 'pending');
  const usage = runUsage(runs, definition) ?? execution.data?.usage ?? null;

  return (
    <div className="page page--wide execution-page">
      <title>{`${name} run · Weft`}</title>
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/automation/executions">Executions</Link>
            <span aria-hidden="true">/</span>
          </>
        }
        title={
          <span className="execution-page__title">
            {name} <StatusPill status={summary.status} />
          </span>
        }
        subtitle={
          <span className="meta-row">
            <Link to={`/automation/workflows/${encodeURIComponent(summary.workflowId)}?version=${summary.workflowVersion}`}>v{summary.workflowVersion}</Link>
            <span>
              Started <RelativeTime iso={started} />
              <StartedByText startedBy={summary.startedBy} />
            </span>
            {summary.finishedAt !== null && <span>Took {formatElapsed(Date.parse(summary.finishedAt) - Date.parse(started))}</span>}
            {hasUsage(usage) && (
              <span className="execution-page__usage" title="Model tokens read and written by this run's agent steps, and the estimated cost">
                {usage.inputTokens.toLocaleString()} in / {usage.outputTokens.toLocaleString()} out tokens
                {usage.costUsd !== null && <> · ≈ {formatCostUsd(usage.costUsd)}</>}
              </span>
            )}
            {summary.sessionId !== null && <Link to={`/chat/${encodeURIComponent(summary.sessionId)}`}>Open its chat</Link>}
            {summary.rerunOf !== null && summary.rerunOf !== undefined && (
              <span>
                Re-run of <Link to={runPath(summary.rerunOf)}>{summary.rerunOf}</Link>
              </span>
            )}
            <span className="mono">{summary.id}</span>
            {!finished && <LiveIndicator status={liveStatus} />}
          </span>
        }
        actions={
          <>
            {isFixableExecution(nowStatus) && <FixWithAssistantButton executionId={summary.id} />}
            <button type="button" className="btn" onClick={() => setRerunOpen(true)} {...runGate.props}>
              Re-run…
            </button>
            {!finished && (
              <button type="button" className="btn btn--danger-ghost" onClick={() => setConfirmCancel(true)} {...runGate.props}>
                Cancel run
              </button>
            )}
            {runGate.hint}
          </>
        }
      />
      {summary.error !== undefined && (
        <div className="alert alert--error" role="alert">
          <div className="alert__body">{stepErrorSentence(summary.error)}</div>
        </div>
      )}
      {waiting.length > 0 && (
        <div className="alert alert--warn" role="status">
          <div className="alert__body">
            This run is waiting for {waiting.length === 1 ? 'an approval' : `${waiting.length} approvals`}. The card beside the waiting step says who may
            decide; select the step to see it with its comments.
          </div>
        </div>
      )}

      <div className="workflow-layout">
        <section className="card diagram-card" aria-label="Diagram">
          <div className="card__header">
            <h2>Steps</h2>
            <span className="muted">Click a step for its input, output and every attempt.</span>
          </div>
          {version.isPending ? (
            <div className="wf-diagram" aria-busy="true" />
          ) : version.isError ? (
            <div className="card__body">
              <ErrorPanel
                error={version.error}
                title="Could not load the workflow version"
                onRetry={() => void version.refetch()}
                retrying={version.isFetching}
              />
            </div>
          ) : definition !== null ? (
            <WorkflowDiagram
              definition={definition}
              mode="runtime"
              statusStore={statusStore}
              selectedStepId={selectedStepId}
              onSelectStep={setSelectedStepId}
              aria-label={`Run of ${name}`}
            >
              {approvals.map((approval) => (
                <ApprovalBesideNode key={approval.id} approval={approval} />
              ))}
            </WorkflowDiagram>
          ) : (
            <UndrawableDefinition problem={parsed?.ok === false ? parsed.message : 'no definition'} />
          )}
          {liveState !== null && <RunTimeline {...travel.timeline} runs={liveState.runs} approvals={liveState.approvals} definition={definition} />}
        </section>
        <div className="workflow-side">
          {definition === null && waiting.map((approval) => <ApprovalCard key={approval.id} approval={approval} context="execution" />)}
          {selectedStepId !== null && definition !== null ? (
            <SelectedStepCard onClose={() => setSelectedStepId(null)} bodyClassName="execution-page__step">
              {approvals
                .filter((approval) => approval.stepId === selectedStepId && (approval.kind === 'step' || approval.status === 'pending'))
                .map((approval) => (
                  <ApprovalCard key={approval.id} approval={approval} context="execution" />
                ))}
              <StepInspector definition={definition} stepId={selectedStepId}>
                <StepAttempts runs={selectedRuns} logs={state.logs} definition={definition} />
              </StepInspector>
            </SelectedStepCard>
          ) : (
            <section className="card" aria-label="Trace">
              <div className="card__header">
                <h2>Trace</h2>
                <span className="muted">{runs.length === 0 ? '' : 'Select a step'}</span>
              </div>
              <div className="card__body card__body--flush">
                <StepTrace definition={definition} runs={runs} selectedStepId={selectedStepId} onSelect={setSelectedStepId} follow={travel.state !== null} />
              </div>
            </section>
          )}
          <section className="card" aria-label="Variables">
            <div className="card__header">
              <h2>Variables</h2>
            </div>
            <div className="card__body">
              <VariablesPanel definition={definition} inputs={summary.inputs} trigger={summary.trigger} runs={runs} />
            </div>
          </section>
          <RunFixesSection executionId={summary.id} />
        </div>
      </div>

      {selectedStepId !== null && (
        <section className="card" aria-label="Trace of every step">
          <div className="card__header">
            <h2>Trace</h2>
          </div>
          <div className="card__body card__body--flush">
            <StepTrace definition={definition} runs={runs} selectedStepId={selectedStepId} onSelect={setSelectedStepId} follow={travel.state !== null} />
          </div>
        </section>
      )}

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
      <RerunDialog
        open={rerunOpen}
        executionId={summary.id}
        version={summary.workflowVersion}
        definition={definition}
        initialStepId={selectedStepId}
        onClose={() => setRerunOpen(false)}
      />
    </div>
  );
}

/**
 * The approval card beside its step's node while it waits; an agent's ask (a held tool call, a
 * question) also marks the node "Waiting for you" above it.
 */
function ApprovalBesideNode({ approval: initial }: { approval: InboxApproval }) {
  const approval = useLiveApproval(initial);
  if (approval.status !== 'pending') return null;
  if (isAgentAsk(approval)) {
    return (
      <>
        <NodeToolbar nodeId={approval.stepId} isVisible position={Position.Top} align="start" offset={6} className="ask-marker-toolbar">
          <span className="ask-marker" data-step-id={approval.stepId}>
            {approval.mayDecide === false ? 'Waiting for a person' : 'Waiting for you'}
          </span>
        </NodeToolbar>
        <NodeToolbar nodeId={approval.stepId} isVisible position={Position.Right} align="center" offset={14} className="approval-toolbar approval-toolbar--ask">
          <ApprovalCard approval={approval} context="execution" compact />
        </NodeToolbar>
      </>
    );
  }
  if (approval.kind !== 'step') return null;
  return (
    <NodeToolbar nodeId={approval.stepId} isVisible position={Position.Right} align="center" offset={14} className="approval-toolbar">
      <ApprovalCard approval={approval} context="execution" compact />
    </NodeToolbar>
  );
}
