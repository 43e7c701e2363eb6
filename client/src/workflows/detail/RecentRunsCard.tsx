import '../workflows.css';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { executionKeys, executionsApi } from '../../api/executions';
import { ErrorPanel } from '../../components/Panels';
import { RelativeTime } from '../../components/RelativeTime';
import { SkeletonLine } from '../../components/Skeleton';
import { StatusPill } from '../../components/StatusPill';
import { runPath } from '../../lib/paths';

const RECENT = 8;

/** The workflow's newest runs, each linking to its execution page. */
export function RecentRunsCard({ workflowId }: { workflowId: string }) {
  const runs = useQuery({
    queryKey: [...executionKeys.all, 'recent', workflowId, RECENT],
    queryFn: ({ signal }) => executionsApi.list({ workflowId, limit: RECENT }, signal),
  });
  return (
    <section className="card" aria-labelledby="recent-runs-title">
      <div className="card__header">
        <h2 id="recent-runs-title">Recent runs</h2>
        <Link to={`/automation/executions?workflow=${encodeURIComponent(workflowId)}`} className="muted">
          All runs
        </Link>
      </div>
      {runs.isPending ? (
        <div className="card__body recent-runs__loading" aria-busy="true">
          <SkeletonLine width="85%" height={16} />
          <SkeletonLine width="70%" height={16} />
          <SkeletonLine width="78%" height={16} />
        </div>
      ) : runs.isError ? (
        <div className="card__body">
          <ErrorPanel error={runs.error} title="Could not load runs" onRetry={() => void runs.refetch()} retrying={runs.isFetching} />
        </div>
      ) : runs.data.executions.length === 0 ? (
        <p className="card__body muted">No runs yet.</p>
      ) : (
        <ul className="recent-runs" aria-label="Recent runs">
          {runs.data.executions.map((execution) => (
            <li key={execution.id}>
              <Link to={runPath(execution.id)} className="recent-runs__row">
                <StatusPill status={execution.status} />
                <span className="recent-runs__meta">
                  v{execution.workflowVersion} · <RelativeTime iso={execution.createdAt} />
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
