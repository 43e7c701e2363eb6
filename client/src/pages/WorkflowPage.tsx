import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { isApiError } from '../api/http';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PageHeader } from '../components/PageHeader';
import { describeError, EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonLine } from '../components/Skeleton';
import { StepInspector } from '../components/StepInspector';
import { WorkflowsIcon } from '../components/icons';
import { WorkflowDiagram } from '../diagram/WorkflowDiagram';
import { countSteps, definitionDescription, definitionName, parseDefinition } from '../lib/definition';
import { InputsCard } from './workflow/InputsCard';
import { VersionsCard } from './workflow/VersionsCard';

export function WorkflowPage() {
  const { id = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [selectedStepId, setSelectedStepId] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const latest = useQuery({ queryKey: workflowKeys.detail(id), queryFn: ({ signal }) => workflowsApi.get(id, signal) });
  const requested = Number(search.get('version'));
  const pinned = Number.isInteger(requested) && requested > 0 && latest.data !== undefined && requested !== latest.data.version ? requested : null;
  const older = useQuery({
    queryKey: workflowKeys.version(id, pinned ?? 0),
    queryFn: ({ signal }) => workflowsApi.version(id, pinned ?? 0, signal),
    enabled: pinned !== null,
    staleTime: Number.POSITIVE_INFINITY, // a stored version never changes
  });
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
            <Link to={`/automation/workflows/${encodeURIComponent(workflow.id)}/edit`} className="btn">
              Edit
            </Link>
            <button type="button" className="btn btn--danger-ghost" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
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
        <section className="card diagram-card" aria-label="Diagram">
          <div className="card__header">
            <h2>Diagram</h2>
            <span className="muted">Select a step to see its settings.</span>
          </div>
          {pinned !== null && older.isPending ? (
            <div className="wf-diagram" aria-busy="true" />
          ) : pinned !== null && older.isError ? (
            <div className="card__body">
              <ErrorPanel error={older.error} title={`Could not load version ${pinned}`} onRetry={() => void older.refetch()} retrying={older.isFetching} />
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
            <div className="card__body">
              <div className="alert alert--error">
                <div className="alert__body">This version cannot be drawn: {parsed?.ok === false ? parsed.message : 'no definition'}.</div>
              </div>
            </div>
          )}
        </section>

        <div className="workflow-side">
          {selectedStepId !== null && parsed?.ok && (
            <section className="card" aria-label="Selected step">
              <div className="card__header">
                <h2>Step</h2>
                <button type="button" className="btn btn--ghost btn--small" onClick={() => setSelectedStepId(null)}>
                  Close
                </button>
              </div>
              <div className="card__body">
                <StepInspector definition={parsed.definition} stepId={selectedStepId} />
              </div>
            </section>
          )}
          {parsed?.ok && <InputsCard definition={parsed.definition} />}
          <VersionsCard workflowId={workflow.id} currentVersion={workflow.version} viewingVersion={pinned ?? workflow.version} onView={viewVersion} />
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
