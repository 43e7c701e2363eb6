import { AppError } from '../http/errors';
import type { Connections, LiveIntegration } from './connections';
import { scrub } from './credentials';
import type { IntegrationsRepository } from './integrations-repository';
import { failureMessage } from './providers/types';

/** The operation a messaging integration posts with (Slack's `send_message`). */
const SEND_OPERATION = 'send_message';

/**
 * Posts a notify step's text to `<integration>:<channel>` with the integration's own credentials:
 * they never leave the server. Every refusal is an AppError whose code the runner's step fails
 * with: `integration_not_found`, `integration_cannot_post`, `integration_unavailable`, `channel_post_failed`.
 */
export function createChannelPoster({
  repo,
  connections,
  onOutcome,
}: {
  repo: Pick<IntegrationsRepository, 'byName'>;
  connections: Pick<Connections, 'get'>;
  onOutcome(live: LiveIntegration, err: unknown | null): void;
}) {
  return async function postToChannel({ integration, channel, text, signal }: { integration: string; channel: string; text: string; signal: AbortSignal }) {
    const target = `${integration}:${channel}`;
    if (!repo.byName(integration)) {
      throw new AppError(422, 'integration_not_found', `channel: there is no integration named "${integration}" (add it under Integrations)`);
    }
    const live = connections.get(integration);
    if (!live) throw new AppError(422, 'integration_unavailable', `channel: integration "${integration}" is not connected (check its credentials)`);
    const send = live.connection.operations().find((op) => op.name === SEND_OPERATION);
    if (!send) throw new AppError(422, 'integration_cannot_post', `channel: integration "${integration}" cannot post messages`);
    try {
      await send.run({ text, channel }, signal);
      onOutcome(live, null);
    } catch (err) {
      onOutcome(live, err);
      const reason = scrub(failureMessage(err), live.secrets).slice(0, 500);
      throw new AppError(502, 'channel_post_failed', `posting to ${target} failed: ${reason}`);
    }
  };
}

export type PostToChannel = ReturnType<typeof createChannelPoster>;
