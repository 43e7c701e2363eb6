import { SlackConfig, SlackCredentials } from '@weft/shared';
import { z } from 'zod';
import { joinUrl, requestJson, statusFailure } from './http';
import { fixedConnection, probe } from './fixed-connection';
import { DEFAULT_TIMEOUT_MS, ProviderError, defineOperation, type Connection, type ProviderDefinition } from './types';

export const SLACK_DEFAULT_API = 'https://slack.com/api';

/** Slack answers HTTP 200 with `{ ok: false, error }`; these errors mean the token is no good. */
const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive', 'missing_scope', 'no_permission']);

const SendMessageArgs = z.strictObject({
  text: z.string().min(1).max(40_000),
  channel: z.string().min(1).max(100).optional(),
  threadTs: z.string().min(1).max(50).optional(),
});
const ListMessagesArgs = z.strictObject({
  channel: z.string().min(1).max(100).optional(),
  /** Only messages after this Slack timestamp. */
  oldest: z.string().max(50).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

export type SyncedMessage = { id: string; channel: string; ts: string; threadTs: string | null; user: string | null; text: string; at: string };

const tsToIso = (ts: string) => {
  const ms = Math.round(Number(ts) * 1000);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : new Date(0).toISOString();
};

/**
 * Slack: an incoming-webhook URL (send only) and/or a bot token against the Web API at
 * `apiBaseUrl` (send to a channel, read channel history). Capabilities follow the credentials.
 */
export const slackProvider: ProviderDefinition<SlackConfig, SlackCredentials> = {
  provider: 'slack',
  configSchema: SlackConfig,
  credentialsSchema: SlackCredentials,
  credentialsRequired: true,
  connect({ config, credentials }): Connection {
    const base = config.apiBaseUrl ?? SLACK_DEFAULT_API;
    const timeoutMs = DEFAULT_TIMEOUT_MS;
    const botToken = credentials?.botToken;
    const webhookUrl = credentials?.webhookUrl;

    async function api(method: string, signal: AbortSignal, args: { query?: Record<string, string>; body?: unknown }) {
      if (!botToken) throw new ProviderError('rejected', `Slack ${method}: needs a bot token`);
      const what = `Slack ${method}`;
      const qs = args.query ? `?${new URLSearchParams(args.query)}` : '';
      const res = await requestJson({
        url: joinUrl(base, method) + qs,
        method: args.body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${botToken}` },
        body: args.body,
        signal,
        timeoutMs,
        what,
      });
      if (res.status >= 400) throw statusFailure(res.status, what);
      const body = res.body as { ok?: boolean; error?: string } | null;
      if (!body || typeof body !== 'object') throw new ProviderError('unavailable', `${what}: the answer was not JSON`);
      if (body.ok === true) return body as Record<string, unknown>;
      const error = typeof body.error === 'string' ? body.error.slice(0, 100) : 'unknown_error';
      if (AUTH_ERRORS.has(error)) throw new ProviderError('auth', `${what}: credentials rejected (${error})`);
      if (error === 'ratelimited' || error === 'fatal_error' || error === 'service_unavailable') throw new ProviderError('unavailable', `${what}: ${error}`);
      if (error === 'channel_not_found') throw new ProviderError('not_found', `${what}: ${error}`);
      throw new ProviderError('rejected', `${what}: ${error}`);
    }

    async function postWebhook(text: string, signal: AbortSignal) {
      const what = 'Slack incoming webhook';
      const res = await requestJson({ url: webhookUrl!, method: 'POST', body: { text }, signal, timeoutMs, what });
      // Slack answers a dead webhook with 403/404/410 and a short reason ("no_service", "invalid_token").
      if (res.status === 404 || res.status === 410) throw new ProviderError('auth', `${what}: the webhook is gone (HTTP ${res.status})`, res.status);
      if (res.status >= 400) throw statusFailure(res.status, what);
      return { ok: true, via: 'webhook' as const };
    }

    const sendMessage = defineOperation({
      name: 'send_message',
      description:
        'Post a message. With a bot token: to `channel` (or the default channel), optionally in a thread (`threadTs`). Otherwise through the incoming webhook.',
      args: SendMessageArgs,
      effect: 'write',
      async run(a, signal) {
        const channel = a.channel ?? config.defaultChannel;
        if (botToken && channel) {
          const r = await api('chat.postMessage', signal, { body: { channel, text: a.text, ...(a.threadTs ? { thread_ts: a.threadTs } : {}) } });
          return { ok: true, via: 'api', channel: String(r.channel ?? channel), ts: String(r.ts ?? '') };
        }
        if (webhookUrl) return postWebhook(a.text, signal);
        throw new ProviderError('rejected', 'send_message needs a channel (argument or config.defaultChannel)');
      },
    });

    const listMessages = defineOperation({
      name: 'list_messages',
      description: 'Read recent messages of `channel` (or every configured channel), newest first: id, channel, ts, threadTs, user, text, at.',
      args: ListMessagesArgs,
      effect: 'read',
      async run(a, signal) {
        const channels = a.channel ? [a.channel] : (config.channels ?? []);
        if (channels.length === 0) throw new ProviderError('rejected', 'list_messages needs a channel (argument or config.channels)');
        const messages: SyncedMessage[] = [];
        let hasMore = false;
        for (const channel of channels) {
          const r = await api('conversations.history', signal, {
            query: { channel, limit: String(a.limit ?? 100), ...(a.oldest ? { oldest: a.oldest } : {}) },
          });
          hasMore ||= r.has_more === true;
          for (const m of (Array.isArray(r.messages) ? r.messages : []) as {
            ts?: string;
            thread_ts?: string;
            user?: string;
            bot_id?: string;
            text?: string;
          }[]) {
            if (typeof m.ts !== 'string') continue;
            messages.push({
              id: `${channel}:${m.ts}`,
              channel,
              ts: m.ts,
              threadTs: m.thread_ts ?? null,
              user: m.user ?? m.bot_id ?? null,
              text: m.text ?? '',
              at: tsToIso(m.ts),
            });
          }
        }
        return { messages, hasMore };
      },
    });

    const operations = botToken ? [sendMessage, listMessages] : [sendMessage];
    return fixedConnection(operations, async (signal) => {
      if (!botToken) return { status: 'ready', reason: 'incoming webhook only: not probed (sending is the only test)' };
      return probe(() => api('auth.test', signal, { body: {} }));
    });
  },
};
