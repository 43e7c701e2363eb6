import { useQuery } from '@tanstack/react-query';
import { WebhookPath } from '@weft/shared';
import { useEffect, useState } from 'react';
import { triggerKeys, triggersApi } from '../api/triggers';

/** How long typing pauses before the path is checked with the server. */
const CHECK_AFTER_MS = 300;

/**
 * Whether a webhook path is free, checked as it is typed: a message naming the workflow that
 * owns it when taken, else undefined. A path the form already refuses (bad characters) is not sent.
 */
export function useWebhookPathCheck({ path, exceptKey, enabled }: { path: string; exceptKey?: string | undefined; enabled: boolean }): string | undefined {
  const [settled, setSettled] = useState(path);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(path), CHECK_AFTER_MS);
    return () => clearTimeout(timer);
  }, [path]);
  const valid = WebhookPath.safeParse(settled).success;
  const owner = useQuery({
    queryKey: [...triggerKeys.all, 'webhook-path', settled, exceptKey ?? null],
    queryFn: ({ signal }) => triggersApi.webhookPath({ path: settled, exceptKey }, signal),
    enabled: enabled && valid,
    staleTime: 5_000,
  });
  if (!enabled || !valid || settled !== path || owner.data === undefined || owner.data.available) return undefined;
  const who =
    owner.data.workflowName !== undefined ? `the workflow “${owner.data.workflowName}”` : `the trigger “${owner.data.triggerKey ?? 'another trigger'}”`;
  return `/hooks/${path} is already used by ${who}. Choose another path.`;
}
