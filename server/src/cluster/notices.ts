import type { z } from 'zod';
import type { Db } from '../db/open';

/**
 * A message one server sends the others through a PostgreSQL channel (NOTIFY): what it says is
 * checked against `schema` when it arrives, since any database client may notify the channel.
 */
export type Notice<T> = {
  channel: string;
  /** The payload as a message, or null for anything that is not one. */
  parse(payload: string): T | null;
  /**
   * Sends through the sync connection: inside an open transaction (a group-commit batch) it goes
   * out with that COMMIT, and not at all if it rolls back.
   */
  sender(db: Db): (message: T) => void;
};

export function defineNotice<T>(channel: string, schema: z.ZodType<T>): Notice<T> {
  return {
    channel,
    parse(payload) {
      let json: unknown;
      try {
        json = JSON.parse(payload);
      } catch {
        return null;
      }
      const parsed = schema.safeParse(json);
      return parsed.success ? parsed.data : null;
    },
    sender(db) {
      const notify = db.prepare('SELECT pg_notify(?, ?)');
      return (message) => {
        notify.get(channel, JSON.stringify(message));
      };
    },
  };
}
