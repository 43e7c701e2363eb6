import type { StartedBy } from '@weft/shared';
import { Link } from 'react-router';
import { useMe } from '../auth/use-can';
import { startedByPhrase } from '../lib/started-by';
import { runPath } from '../lib/paths';

/**
 * " by you", " by schedule nightly", ...: who started a run, to follow "Started <time>". `linked`
 * links "by workflow" to the parent run (off inside a row that is itself a link).
 */
export function StartedByText({ startedBy, linked = true }: { startedBy: StartedBy | null | undefined; linked?: boolean }) {
  const phrase = startedByPhrase(startedBy, useMe()?.id);
  if (phrase === null) return null;
  const { text, parentExecutionId } = phrase;
  return <> {linked && parentExecutionId !== undefined ? <Link to={runPath(parentExecutionId)}>{text}</Link> : text}</>;
}
