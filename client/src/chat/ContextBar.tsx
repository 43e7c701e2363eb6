import './chat.css';
import type { ExecutionSummary } from '@weft/shared';
import { isFinishedExecution } from '@weft/shared';
import { Link } from 'react-router';
import { StatusPill } from '../components/StatusPill';
import type { RunDefinition } from './use-run-definitions';
import { runPath } from '../lib/paths';

/** While workflows run in this chat: which, how they are doing, and where to watch them. */
export function ContextBar({ executions, runs }: { executions: readonly ExecutionSummary[]; runs: ReadonlyMap<string, RunDefinition> }) {
  const active = executions.filter((e) => !isFinishedExecution(e.status));
  if (active.length === 0) return null;
  return (
    <div className="context-bar" role="status" aria-label="Running in this chat">
      {active.map((execution) => (
        <div key={execution.id} className="context-bar__run" data-execution-id={execution.id}>
          <span className="context-bar__label">Workflow</span>
          <strong>{runs.get(execution.id)?.name ?? execution.workflowName ?? execution.workflowId}</strong>
          <StatusPill status={execution.status} />
          <Link className="context-bar__link" to={runPath(execution.id)}>
            Open the run →
          </Link>
        </div>
      ))}
    </div>
  );
}
