import { IssueList } from '../../components/IssueList';
import { describeError, ErrorFixLink } from '../../components/Panels';

/**
 * A rejected save: the server's message, or, for an invalid definition, one line saying so and
 * each problem with its path (the message repeats the first problem, so it is not shown as well).
 */
export function ServerErrorAlert({ error, issues }: { error: unknown; issues: { path: string; message: string }[] }) {
  return (
    <div className="alert alert--error" role="alert">
      <div className="alert__body">
        {issues.length > 0 ? `Not saved: ${issues.length === 1 ? 'one problem needs' : `${issues.length} problems need`} fixing first.` : describeError(error)}
        <IssueList issues={issues} />
        <ErrorFixLink error={error} />
      </div>
    </div>
  );
}
