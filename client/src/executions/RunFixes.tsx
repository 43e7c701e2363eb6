import '../fixes/fixes.css';
import { useMutation } from '@tanstack/react-query';
import type { ExecutionFix } from '@weft/shared';
import { Link, useNavigate } from 'react-router';
import { fixesApi } from '../api/fixes';
import { describeError, isMissingEndpoint } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { fixStatusText } from '../fixes/fix-text';
import { RerunLine } from '../fixes/RerunLine';
import { useLiveExecutionFixes } from '../fixes/use-live-fix';

/**
 * "Fix with the assistant": posts `/fix <run>` into a new chat of this person (the server answers
 * there, as if they had typed it) and opens that chat.
 */
export function FixWithAssistantButton({ executionId }: { executionId: string }) {
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => fixesApi.create({ executionId }),
    onSuccess: ({ sessionId }) => void navigate(`/chat/${encodeURIComponent(sessionId)}`),
  });
  return (
    <>
      <button type="button" className="btn btn--primary" disabled={create.isPending} onClick={() => create.mutate()}>
        {create.isPending ? 'Opening the chat…' : 'Fix with the assistant'}
      </button>
      {create.isError && (
        <span className="field__error" role="alert">
          {describeError(create.error)}
        </span>
      )}
    </>
  );
}

/** This run's fixes, newest first, live: where each stands, the version it made, its re-run. Nothing while there are none. */
export function RunFixesSection({ executionId }: { executionId: string }) {
  const fixes = useLiveExecutionFixes(executionId);
  const list = fixes.data?.fixes ?? [];
  // A 404 is the run itself gone: the page says so.
  if (fixes.isError && !isMissingEndpoint(fixes.error)) {
    return (
      <section className="card" aria-label="Fixes">
        <div className="card__header">
          <h2>Fixes</h2>
        </div>
        <p className="card__body field__error">{describeError(fixes.error)}</p>
      </section>
    );
  }
  if (list.length === 0) return null;
  return (
    <section className="card" aria-label="Fixes" data-testid="run-fixes">
      <div className="card__header">
        <h2>Fixes</h2>
        <span className="muted">Made with the assistant</span>
      </div>
      <ul className="fixes-list">
        {list.map((fix) => (
          <FixRow key={fix.id} fix={fix} />
        ))}
      </ul>
    </section>
  );
}

function FixRow({ fix }: { fix: ExecutionFix }) {
  const workflowPath = `/automation/workflows/${encodeURIComponent(fix.workflowId)}`;
  return (
    <li className="fixes-list__item" data-fix-id={fix.id} data-status={fix.status}>
      <span className="fixes-list__head">
        <span className={`chip ${fix.appliedVersion !== null ? 'chip--ok' : 'chip--warn'}`}>{fixStatusText(fix)}</span>
        <span className="muted">
          <RelativeTime iso={fix.createdAt} />
        </span>
      </span>
      <span className="fixes-list__summary">{fix.summary ?? fix.diagnosis ?? fix.error ?? 'The run’s facts, without a diagnosis'}</span>
      <span className="fixes-list__links">
        {fix.appliedVersion !== null && <Link to={`${workflowPath}?version=${fix.appliedVersion}`}>Version {fix.appliedVersion}</Link>}
        {fix.rerun !== null && <RerunLine rerun={fix.rerun} />}
        {fix.sessionId !== null && <Link to={`/chat/${encodeURIComponent(fix.sessionId)}`}>Open its chat</Link>}
      </span>
    </li>
  );
}
