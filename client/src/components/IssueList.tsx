import { errorSentence } from '../lib/error-sentence';

/** Validation problems, each with the path it is about (when there is one); nothing when there are none. */
export function IssueList({ issues }: { issues: readonly { path: string; message: string }[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="issues">
      {issues.map((issue, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole by each check; two issues may share path and message, so order is the only identity.
        <li key={i}>
          {issue.path !== '' && <code>{issue.path}</code>} {errorSentence(issue)}
        </li>
      ))}
    </ul>
  );
}
