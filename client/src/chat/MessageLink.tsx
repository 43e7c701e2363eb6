import type { LinkPart } from '@weft/shared';
import { Link } from 'react-router';
import { runPath } from '../lib/paths';

/** Where a link in an answer goes: a workflow, a run (opened at a step), or the approvals inbox. */
export function linkHref(target: LinkPart['target']): string {
  const enc = encodeURIComponent;
  switch (target.kind) {
    case 'workflow':
      return `/automation/workflows/${enc(target.id)}`;
    case 'execution':
      return runPath(target.id, target.stepId);
    case 'approvals':
      return '/approvals';
    default: {
      const never: never = target;
      return String(never);
    }
  }
}

/** A workflow, run or step named in an answer, as a link inside the sentence. */
export function MessageLink({ part }: { part: LinkPart }) {
  return (
    <Link to={linkHref(part.target)} className="msg-link">
      {part.text}
    </Link>
  );
}
