import { IssueList } from '../../components/IssueList';
import { ErrorFixLink } from '../../components/Panels';
import { errorHeadline } from '../../lib/error-sentence';

/**
 * A rejected save: the server's message, or, for an invalid definition, one line saying so and
 * each problem with its path (the message repeats the first problem, so it is not shown as well).
 */
export function ServerErrorAlert({ error, issues }: { error: unknown; issues: { path: string; message: string }[] }) {
  return (
    <div className="alert alert--error" role="alert">
      <div className="alert__body">
        {errorHeadline(error, issues, 'Not saved')}
        <IssueList issues={issues} />
        <ErrorFixLink error={error} />
      </div>
    </div>
  );
}
