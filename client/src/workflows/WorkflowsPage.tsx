import './workflows.css';
import { useQuery } from '@tanstack/react-query';
import type { Trigger } from '@weft/shared';
import { Link, useLocation } from 'react-router';
import { executionKeys, executionsApi } from '../api/executions';
import { triggerKeys, triggersApi } from '../api/triggers';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { WorkflowsIcon } from '../components/icons';
import { NewWorkflowLink } from '../components/NewWorkflowLink';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonLine, SkeletonRows } from '../components/Skeleton';
import { StatusPill } from '../components/StatusPill';
import { definitionDescription, definitionName } from '../lib/definition';
import { TriggerBadge } from '../triggers/TriggerBadge';

/** The newest run of one workflow; its own cache entry, refreshed with every other executions query. */
const latestRunKey = (workflowId: string) => [...executionKeys.all, 'latest', workflowId] as const;

function LastRun({ workflowId }: { workflowId: string }) {
  const latest = useQuery({
    queryKey: latestRunKey(workflowId),
    queryFn: ({ signal }) => executionsApi.list({ workflowId, limit: 1 }, signal).then((page) => page.executions[0] ?? null),
  });
  if (latest.isPending) return <SkeletonLine width={84} height={18} />;
  if (latest.isError) return <span className="muted">—</span>;
  if (latest.data === null) return <span className="muted">Never run</span>;
  return (
    <span className="last-run" title={`Started ${latest.data.createdAt}`}>
      <StatusPill status={latest.data.status} />
      <span className="last-run__when">
        <RelativeTime iso={latest.data.createdAt} />
      </span>
    </span>
  );
}

function Triggers({ triggers, loading }: { triggers: readonly Trigger[] | undefined; loading: boolean }) {
  if (loading) return <SkeletonLine width={120} height={18} />;
  if (triggers === undefined) return <span className="muted">—</span>;
  if (triggers.length === 0) return <TriggerBadge trigger={null} />;
  return (
    <span className="trigger-badges">
      {triggers.map((trigger) => (
        <TriggerBadge key={trigger.key} trigger={trigger} />
      ))}
    </span>
  );
}

export function WorkflowsPage() {
  const workflows = useQuery({ queryKey: workflowKeys.list(), queryFn: ({ signal }) => workflowsApi.list(signal) });
  const triggers = useQuery({ queryKey: triggerKeys.list(), queryFn: ({ signal }) => triggersApi.list(signal) });
  const byWorkflow = new Map<string, Trigger[]>();
  for (const trigger of triggers.data ?? []) byWorkflow.set(trigger.workflowId, [...(byWorkflow.get(trigger.workflowId) ?? []), trigger]);
  const deleted = (useLocation().state as { deleted?: string } | null)?.deleted;

  return (
    <div className="page">
      <title>Workflows · Weft</title>
      <PageHeader
        title="Workflows"
        subtitle="Automations you can run from chat, on a schedule or from a webhook."
        actions={workflows.data?.length === 0 ? undefined : <NewWorkflowLink />}
      />
      {deleted !== undefined && (
        <div className="alert alert--info" role="status">
          <div className="alert__body">Deleted “{deleted}”. Its past executions are kept.</div>
        </div>
      )}
      {workflows.isPending ? (
        <div className="card workflows-list">
          <SkeletonRows label="Loading workflows" rows={5} columns={4} />
        </div>
      ) : workflows.isError ? (
        <ErrorPanel error={workflows.error} title="Could not load workflows" onRetry={() => void workflows.refetch()} retrying={workflows.isFetching} />
      ) : workflows.data.length === 0 ? (
        <EmptyPanel icon={<WorkflowsIcon />} title="No workflows yet" actions={<NewWorkflowLink />}>
          Describe an automation in chat, or write its definition yourself. Workflows you save appear here.
        </EmptyPanel>
      ) : (
        <div className="card workflows-list">
          <div className="list__head" aria-hidden="true">
            <span>Name</span>
            <span>Starts</span>
            <span>Last run</span>
            <span>Version</span>
            <span className="list__meta--right">Updated</span>
          </div>
          <ul className="list" aria-label="Workflows">
            {workflows.data.map((workflow) => {
              const description = definitionDescription(workflow.definition);
              return (
                <li key={workflow.id} data-workflow-id={workflow.id}>
                  <Link to={`/automation/workflows/${encodeURIComponent(workflow.id)}`} className="list__row list__row--link">
                    <span className="list__primary">
                      <span className="list__title">{definitionName(workflow.definition, workflow.id)}</span>
                      <span className={description ? 'list__desc' : 'list__desc muted'}>{description ?? 'No description'}</span>
                    </span>
                    <span className="list__cell">
                      <Triggers triggers={triggers.isError ? undefined : (byWorkflow.get(workflow.id) ?? [])} loading={triggers.isPending} />
                    </span>
                    <span className="list__cell">
                      <LastRun workflowId={workflow.id} />
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
