import './workflows.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
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
import { changedStepIds } from './create/draft-history';
import { InputsCard } from './detail/InputsCard';
import { RecentRunsCard } from './detail/RecentRunsCard';
import { ExportButton } from './detail/ExportButton';
import { RunButton } from './detail/RunButton';
import { VersionDiffCard } from './detail/VersionDiffCard';
import { VersionsCard } from './detail/VersionsCard';
import { WorkflowTriggersCard } from './detail/WorkflowTriggersCard';

/** `?from=1&to=3`: two different stored versions to compare. */
function comparePair(search: URLSearchParams): { from: number; to: number } | null {
  const from = Number(search.get('from'));
  const to = Number(search.get('to'));
  return Number.isInteger(from) && Number.isInteger(to) && from > 0 && to > 0 && from !== to ? { from, to } : null;
}

export function WorkflowPage() {
  const { id = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [selectedStepId, setSelectedStepId] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const writeGate = useGate('write');

  const latest = useQuery({ queryKey: workflowKeys.detail(id), queryFn: ({ signal }) => workflowsApi.get(id, signal) });
  const compare = comparePair(search);
  const requested = Number(search.get('version'));
  const pinned =
    compare === null && Number.isInteger(requested) && requested > 0 && latest.data !== undefined && requested !== latest.data.version ? requested : null;
  const older = useQuery({
    queryKey: workflowKeys.version(id, pinned ?? 0),
    queryFn: ({ signal }) => workflowsApi.version(id, pinned ?? 0, signal),
    enabled: pinned !== null,
    staleTime: Number.POSITIVE_INFINITY, // a stored version never changes
  });
  const compareFrom = useQuery({
    queryKey: workflowKeys.version(id, compare?.from ?? 0),
    queryFn: ({ signal }) => workflowsApi.version(id, compare?.from ?? 0, signal),
    enabled: compare !== null,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const compareTo = useQuery({
    queryKey: workflowKeys.version(id, compare?.to ?? 0),
    queryFn: ({ signal }) => workflowsApi.version(id, compare?.to ?? 0, signal),
    enabled: compare !== null,
    staleTime: Number.POSITIVE_INFINITY,
  });
  // What the diagram shows: the newer side of a comparison, a pinned version, or the latest.
  const shownQuery = compare !== null ? compareTo : pinned !== null ? older : null;
  const shown = compare !== null ? compareTo.data : pinned === null ? latest.data : older.data;
  const parsed = useMemo(() => (shown ? parseDefinition(shown.definition) : null), [shown]);
  const parsedFrom = useMemo(() => (compareFrom.data ? parseDefinition(compareFrom.data.definition) : null), [compareFrom.data]);
  // `compare` is a new object every render: the memo keys on whether there is one.
  const comparing = compare !== null;
  const highlight = useMemo(
    () => (comparing && parsed?.ok && parsedFrom?.ok ? changedStepIds(parsedFrom.definition, parsed.definition) : undefined),
    [comparing, parsed, parsedFrom],
  );

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
  const compareVersions = (pair: { from: number; to: number } | null) => {
    setSelectedStepId(null);
    setSearch(pair === null ? {} : { from: String(pair.from), to: String(pair.to) }, { replace: true });
  };

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
  const latestParsed = pinned === null && compare === null ? parsed : parseDefinition(workflow.definition);
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
          {compare !== null && (compareFrom.isError || compareTo.isError) ? (
            <ErrorPanel
              error={compareFrom.error ?? compareTo.error}
              title="Could not load the versions to compare"
              onRetry={() => void Promise.all([compareFrom.refetch(), compareTo.refetch()])}
              retrying={compareFrom.isFetching || compareTo.isFetching}
            />
          ) : compare !== null && parsed?.ok && parsedFrom?.ok ? (
            <VersionDiffCard
              from={compare.from}
              to={compare.to}
              before={parsedFrom.definition}
              after={parsed.definition}
              onClose={() => compareVersions(null)}
              onSelectStep={setSelectedStepId}
            />
          ) : compare !== null ? (
            <div className="card diff-card" aria-busy="true">
              <div className="card__body">
                <SkeletonLine width="40%" height={16} />
              </div>
            </div>
          ) : null}
          <section className="card diagram-card" aria-label="Diagram">
            <div className="card__header">
              <h2>{compare !== null ? `Diagram of v${compare.to}` : 'Diagram'}</h2>
              <span className="muted">{compare !== null ? `Steps changed since v${compare.from} are highlighted.` : 'Select a step to see its settings.'}</span>
            </div>
            {shownQuery?.isPending ? (
              <div className="wf-diagram" aria-busy="true" />
            ) : shownQuery?.isError ? (
              <div className="card__body">
                <ErrorPanel
                  error={shownQuery.error}
                  title={`Could not load version ${compare?.to ?? pinned}`}
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
                {...(highlight !== undefined ? { highlightStepIds: highlight } : {})}
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
            viewingVersion={compare?.to ?? pinned ?? workflow.version}
            onView={viewVersion}
            comparing={compare}
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
