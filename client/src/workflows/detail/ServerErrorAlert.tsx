import { IssueList } from '../../components/IssueList';
import { describeError } from '../../components/Panels';

/** A rejected save: the server's message and, for invalid definitions, each problem with its path. */
export function ServerErrorAlert({ error, issues }: { error: unknown; issues: { path: string; message: string }[] }) {
  return (
    <div className="alert alert--error" role="alert">
      <div className="alert__body">
        {describeError(error)}
        <IssueList issues={issues} />
      </div>
    </div>
  );
}
