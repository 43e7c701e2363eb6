import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { useState } from 'react';
import type { WorkflowDefinition, WorkflowResponse } from '@weft/shared';
import { isApiError, issuesOf } from '../api/http';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { PageHeader } from '../components/PageHeader';
import { ErrorPanel } from '../components/Panels';
import { SkeletonLine } from '../components/Skeleton';
import { definitionName } from '../lib/definition';
import { DefinitionEditor } from './workflow/DefinitionEditor';
import { ServerErrorAlert } from './workflow/ServerErrorAlert';

export function EditWorkflowPage() {
  const { id = '' } = useParams();
  const workflow = useQuery({ queryKey: workflowKeys.detail(id), queryFn: ({ signal }) => workflowsApi.get(id, signal) });

  if (workflow.data !== undefined) return <EditWorkflowForm key={workflow.data.id} initial={workflow.data} />;
  if (workflow.isPending) {
    return (
      <div className="page" aria-busy="true">
        <SkeletonLine width={280} height={24} />
        <div className="card" style={{ height: 560 }} />
      </div>
    );
  }
  return (
    <div className="page">
      <ErrorPanel error={workflow.error} title="Could not load this workflow" onRetry={() => void workflow.refetch()} retrying={workflow.isFetching} />
    </div>
  );
}

function EditWorkflowForm({ initial }: { initial: WorkflowResponse }) {
  const id = initial.id;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // Pinned when the editor opens: saving sends it as `baseVersion`, so a save made
  // elsewhere meanwhile is a 409 conflict, never a silent overwrite.
  const [base] = useState(initial);
  const save = useMutation({
    mutationFn: ({ definition, baseVersion }: { definition: WorkflowDefinition; baseVersion: number }) => workflowsApi.update({ id, definition, baseVersion }),
    onSuccess: async (saved) => {
      queryClient.setQueryData(workflowKeys.detail(id), saved);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: workflowKeys.list() }),
        queryClient.invalidateQueries({ queryKey: workflowKeys.versions(id) }),
      ]);
      void navigate(`/automation/workflows/${encodeURIComponent(id)}`);
    },
  });
  const name = definitionName(base.definition, base.id);
  const conflict = save.isError && isApiError(save.error) && save.error.code === 'version_conflict';

  return (
    <div className="page page--wide">
      <title>{`Edit ${name} · Weft`}</title>
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/automation/workflows">Workflows</Link>
            <span aria-hidden="true">/</span>
            <Link to={`/automation/workflows/${encodeURIComponent(base.id)}`}>{name}</Link>
            <span aria-hidden="true">/</span>
          </>
        }
        title={`Edit ${name}`}
        subtitle={`Editing version ${base.version}. Saving creates version ${base.version + 1}.`}
      />
      <DefinitionEditor
        key={base.id}
        initialText={JSON.stringify(base.definition, null, 2)}
        submitLabel="Save new version"
        submitting={save.isPending}
        serverError={
          conflict ? (
            <div className="alert alert--warn" role="alert">
              <div className="alert__body">
                Someone saved this workflow after you opened it. Copy your changes, then{' '}
                <Link to={`/automation/workflows/${encodeURIComponent(base.id)}`}>open the latest version</Link> and apply them again.
              </div>
            </div>
          ) : save.isError ? (
            <ServerErrorAlert error={save.error} issues={issuesOf(save.error)} />
          ) : undefined
        }
        onSubmit={(definition) => save.mutate({ definition, baseVersion: base.version })}
        secondaryAction={
          <Link to={`/automation/workflows/${encodeURIComponent(base.id)}`} className="btn btn--ghost">
            Cancel
          </Link>
        }
      />
    </div>
  );
}
