import { useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { PlusIcon, WorkflowsIcon } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonRows } from '../components/Skeleton';
import { definitionDescription, definitionName } from '../lib/definition';

export function WorkflowsPage() {
  const workflows = useQuery({ queryKey: workflowKeys.list(), queryFn: ({ signal }) => workflowsApi.list(signal) });
  const deleted = (useLocation().state as { deleted?: string } | null)?.deleted;

  const newButton = (
    <Link to="/automation/workflows/new" className="btn btn--primary">
      <PlusIcon />
      New workflow
    </Link>
  );

  return (
    <div className="page">
      <title>Workflows · Weft</title>
      <PageHeader title="Workflows" subtitle="Automations you can run from chat, on a schedule or from a webhook." actions={newButton} />
      {deleted !== undefined && (
        <div className="alert alert--info" role="status">
          <div className="alert__body">Deleted “{deleted}”. Its past executions are kept.</div>
        </div>
      )}
      {workflows.isPending ? (
        <div className="card">
          <SkeletonRows label="Loading workflows" rows={5} />
        </div>
      ) : workflows.isError ? (
        <ErrorPanel error={workflows.error} title="Could not load workflows" onRetry={() => void workflows.refetch()} retrying={workflows.isFetching} />
      ) : workflows.data.length === 0 ? (
        <EmptyPanel icon={<WorkflowsIcon />} title="No workflows yet" actions={newButton}>
          Describe an automation in chat, or write its definition yourself. Workflows you save appear here.
        </EmptyPanel>
      ) : (
        <div className="card">
          <div className="list__head" aria-hidden="true">
            <span>Name</span>
            <span>Version</span>
            <span className="list__meta--right">Updated</span>
          </div>
          <ul className="list" aria-label="Workflows">
            {workflows.data.map((workflow) => {
              const description = definitionDescription(workflow.definition);
              return (
                <li key={workflow.id}>
                  <Link to={`/automation/workflows/${encodeURIComponent(workflow.id)}`} className="list__row list__row--link">
                    <span className="list__primary">
                      <span className="list__title">{definitionName(workflow.definition, workflow.id)}</span>
                      <span className={description ? 'list__desc' : 'list__desc muted'}>{description ?? 'No description'}</span>
                    </span>
                    <span className="list__meta">v{workflow.version}</span>
                    <span className="list__meta list__meta--right">
                      <RelativeTime iso={workflow.updatedAt} />
                    </span>
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
