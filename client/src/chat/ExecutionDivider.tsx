import './step-cards.css';
import type { ExecutionSummary } from '@weft/shared';
import { Link } from 'react-router';
import { RelativeTime } from '../components/RelativeTime';
import { StatusPill } from '../components/StatusPill';
import { formatElapsed } from '../lib/elapsed';
import { runPath } from '../lib/paths';

/** Where a workflow run starts in the conversation, and where it ends. */
export function ExecutionDivider({ execution, name, edge }: { execution: ExecutionSummary | undefined; name: string | undefined; edge: 'start' | 'end' }) {
  if (execution === undefined) return null;
  const title = name ?? execution.workflowName ?? execution.workflowId;
  const started = execution.startedAt ?? execution.createdAt;
  return (
    <div className={`run-divider run-divider--${edge}`} data-execution-id={execution.id} data-edge={edge}>
      <span className="run-divider__line" aria-hidden="true" />
      <span className="run-divider__text">
        {edge === 'start' ? (
          <>
            Workflow <strong>{title}</strong> started <RelativeTime iso={execution.createdAt} />
          </>
        ) : (
          <>
            Workflow <strong>{title}</strong> finished
            {execution.finishedAt !== null && <> in {formatElapsed(Date.parse(execution.finishedAt) - Date.parse(started))}</>}
          </>
        )}
        <StatusPill status={execution.status} />
        <Link to={runPath(execution.id)}>View run</Link>
      </span>
      <span className="run-divider__line" aria-hidden="true" />
    </div>
  );
}
