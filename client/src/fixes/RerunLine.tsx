import { type ExecutionFix, ExecutionStatus } from '@weft/shared';
import { Link } from 'react-router';
import { StatusPill } from '../components/StatusPill';
import { runPath } from '../lib/paths';
import { useRerunStatus } from './use-live-fix';

/** "Re-run ex_… ✓ Succeeded": a fix's latest re-run, its status live. */
export function RerunLine({ rerun }: { rerun: NonNullable<ExecutionFix['rerun']> }) {
  const status = useRerunStatus(rerun) ?? rerun.status;
  const known = ExecutionStatus.safeParse(status);
  return (
    <span className="fix-card__rerun" data-testid="fix-rerun">
      Re-run{' '}
      <Link to={runPath(rerun.executionId)} className="mono">
        {rerun.executionId}
      </Link>
      {/* `pruned` once retention deleted the run: said as the server says it. */}
      {known.success ? <StatusPill status={known.data} /> : <span className="muted">{status}</span>}
    </span>
  );
}
