/** Validation problems, each with the path it is about (when there is one); nothing when there are none. */
export function IssueList({ issues }: { issues: readonly { path: string; message: string }[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="issues">
      {issues.map((issue, i) => (
        <li key={i}>
          {issue.path !== '' && <code>{issue.path}</code>} {issue.message}
        </li>
      ))}
    </ul>
  );
}
