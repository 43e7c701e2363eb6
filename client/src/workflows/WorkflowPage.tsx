import './workflows.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, Navigate, useNavigate, useParams, useSearchParams } from 'react-router';
import { isApiError } from '../api/http';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { GatedLink, useGate } from '../auth/Gate';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PageHeader } from '../components/PageHeader';
import { describeError, EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SelectedStepCard } from '../components/SelectedStepCard';
import { SkeletonLine } from '../components/Skeleton';
import { StepInspector } from '../components/StepInspector';
import { WorkflowsIcon } from '../components/icons';
import { WorkflowDiagram } from '../diagram/WorkflowDiagram';
import { UndrawableDefinition } from '../diagram/UndrawableDefinition';
import { countSteps, definitionDescription, definitionName, parseDefinition } from '../lib/definition';
import { comparePair, comparePath } from './compare/compare-path';
import { InputsCard } from './detail/InputsCard';
import { ProposalsCard } from './detail/ProposalsCard';
import { RecentRunsCard } from './detail/RecentRunsCard';
import { ExportButton } from './detail/ExportButton';
import { RunButton } from './detail/RunButton';
import { VersionsCard } from './detail/VersionsCard';
import { WorkflowTriggersCard } from './detail/WorkflowTriggersCard';

export function WorkflowPage() {
  const { id = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [selectedStepId, setSelectedStepId] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const writeGate = useGate('write');

  const latest = useQuery({ queryKey: workflowKeys.detail(id), queryFn: ({ signal }) => workflowsApi.get(id, signal) });
  // Links from before the compare page (`?from=1&to=3`) open it.
  const compare = comparePair(search);
  const requested = Number(search.get('version'));
  const pinned = Number.isInteger(requested) && requested > 0 && latest.data !== undefined && requested !== latest.data.version ? requested : null;
  const older = useQuery({
    queryKey: workflowKeys.version(id, pinned ?? 0),
    queryFn: ({ signal }) => workflowsApi.version(id, pinned ?? 0, signal),
    enabled: pinned !== null,
    staleTime: Number.POSITIVE_INFINITY, // a stored version never changes
  });
  // What the diagram shows: a pinned version, or the latest.
  const shownQuery = pinned !== null ? older : null;
  const shown = pinned === null ? latest.data : older.data;
  const parsed = useMemo(() => (shown ? parseDefinition(shown.definition) : null), [shown]);

  const remove = useMutation({
    mutationFn: () => workflowsApi.remove(id),
    onSuccess: async () => {
      const name = latest.data ? definitionName(latest.data.definition, id) : id;
      await navigate('/automation/workflows', { replace: true, state: { deleted: name } });
      queryClient.removeQueries({ queryKey: workflowKeys.all, predicate: (query) => query.queryKey.includes(id) });
      await queryClient.invalidateQueries({ queryKey: workflowKeys.list() });
    },
  });

  const viewVersion = (version: number | null) => {
    setSelectedStepId(null);
    setSearch(version === null ? {} : { version: String(version) }, { replace: true });
  };
  const compareVersions = (pair: { from: number; to: number }) => void navigate(comparePath(id, pair));

  if (compare !== null) return <Navigate to={comparePath(id, compare)} replace />;

  if (latest.data === undefined && latest.isPending) {
    return (
      <div className="page" aria-busy="true">
        <SkeletonLine width={280} height={24} />
        <SkeletonLine width="45%" />
        <div className="card" style={{ height: 480 }} />
      </div>
    );
  }
  if (latest.data === undefined) {
    const notFound = isApiError(latest.error) && latest.error.status === 404;
    return (
      <div className="page">
        {notFound ? (
          <EmptyPanel
            icon={<WorkflowsIcon />}
            title="Workflow not found"
            actions={
              <Link to="/automation/workflows" className="btn">
                All workflows
              </Link>
            }
          >
            It may have been deleted, or the link is wrong.
          </EmptyPanel>
        ) : (
          <ErrorPanel error={latest.error} title="Could not load this workflow" onRetry={() => void latest.refetch()} retrying={latest.isFetching} />
        )}
      </div>
    );
  }

  const workflow = latest.data;
  const latestParsed = pinned === null ? parsed : parseDefinition(workflow.definition);
  const name = definitionName(workflow.definition, workflow.id);
  const description = definitionDescription(workflow.definition);
  const stepCount = parsed?.ok ? countSteps(parsed.definition.steps) : null;

  return (
    <div className="page page--wide">
      <title>{`${name} · Weft`}</title>
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/automation/workflows">Workflows</Link>
            <span aria-hidden="true">/</span>
          </>
        }
        title={name}
        subtitle={
          <span className="meta-row">
            {description !== undefined && <span style={{ color: 'var(--text-2)', fontSize: 14 }}>{description}</span>}
            <span>v{workflow.version}</span>
            <span>
              Updated <RelativeTime iso={workflow.updatedAt} />
            </span>
            {stepCount !== null && <span>{stepCount === 1 ? '1 step' : `${stepCount} steps`}</span>}
            <span className="mono">{workflow.id}</span>
          </span>
        }
        actions={
          <>
            <RunButton workflowId={workflow.id} definition={latestParsed?.ok ? latestParsed.definition : null} />
            <GatedLink scope="write" to={`/automation/workflows/${encodeURIComponent(workflow.id)}/edit`} className="btn">
              Edit
            </GatedLink>
            <ExportButton workflowId={workflow.id} name={name} />
            <button type="button" className="btn btn--danger-ghost" onClick={() => setConfirmDelete(true)} {...writeGate.props}>
              Delete
            </button>
            {writeGate.hint}
          </>
        }
      />

      {pinned !== null && (
        <div className="alert alert--info" role="status">
          <div className="alert__body">
            You are looking at version {pinned}. The current version is {workflow.version}.{' '}
            <button type="button" className="btn btn--small" onClick={() => viewVersion(null)}>
              Show current
            </button>
          </div>
        </div>
      )}

      <div className="workflow-layout">
        <div className="workflow-main">
          <ProposalsCard workflowId={workflow.id} currentVersion={workflow.version} />
          <section className="card diagram-card" aria-label="Diagram">
            <div className="card__header">
              <h2>Diagram</h2>
              <span className="muted">Select a step to see its settings.</span>
            </div>
            {shownQuery?.isPending ? (
              <div className="wf-diagram" aria-busy="true" />
            ) : shownQuery?.isError ? (
              <div className="card__body">
                <ErrorPanel
                  error={shownQuery.error}
                  title={`Could not load version ${pinned}`}
                  onRetry={() => void shownQuery.refetch()}
                  retrying={shownQuery.isFetching}
                />
              </div>
            ) : parsed?.ok ? (
              <WorkflowDiagram
                definition={parsed.definition}
                mode="view"
                selectedStepId={selectedStepId}
                onSelectStep={setSelectedStepId}
                aria-label={`Diagram of ${name}`}
              />
            ) : (
              <UndrawableDefinition problem={parsed?.ok === false ? parsed.message : 'no definition'} />
            )}
          </section>
        </div>

        <div className="workflow-side">
          {selectedStepId !== null && parsed?.ok && (
            <SelectedStepCard onClose={() => setSelectedStepId(null)}>
              <StepInspector definition={parsed.definition} stepId={selectedStepId} />
            </SelectedStepCard>
          )}
          <WorkflowTriggersCard workflowId={workflow.id} />
          {parsed?.ok && <InputsCard definition={parsed.definition} />}
          <VersionsCard
            workflowId={workflow.id}
            currentVersion={workflow.version}
            viewingVersion={pinned ?? workflow.version}
            onView={viewVersion}
            onCompare={compareVersions}
          />
          <RecentRunsCard workflowId={workflow.id} />
        </div>
      </div>

      <ConfirmDialog
        open={confirmDelete}
        title={`Delete “${name}”?`}
        confirmLabel="Delete workflow"
        tone="danger"
        busy={remove.isPending}
        error={remove.isError ? describeError(remove.error) : undefined}
        onCancel={() => {
          setConfirmDelete(false);
          remove.reset();
        }}
        onConfirm={() => remove.mutate()}
      >
        It will no longer run or appear in the list. Its past executions and their history are kept.
      </ConfirmDialog>
    </div>
  );
}
