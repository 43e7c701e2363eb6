import { parseTopic } from '@weft/shared';
import type { Db } from '../db/open';
import { AppError } from '../http/errors';

/**
 * Who may read a topic. Weft has one owner per server (the token), so the rule is that the
 * topic is well formed and names something that exists.
 */
export function createTopicAccess({ db }: { db: Db }) {
  const exists = {
    execution: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM executions WHERE id = ?'),
    session: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM sessions WHERE id = ?'),
    workflow: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM workflows WHERE id = ?'),
  };
  return {
    /** Throws 400 for a malformed topic and 404 for one naming nothing. */
    assertReadable(topic: string): void {
      const parsed = parseTopic(topic);
      if (!parsed) throw new AppError(400, 'unknown_topic', `unknown topic ${JSON.stringify(topic)}`);
      if (parsed.id === undefined) return;
      const check = parsed.kind === 'execution' || parsed.kind === 'session' || parsed.kind === 'workflow' ? exists[parsed.kind] : undefined;
      if (check && !check.get(parsed.id)) throw new AppError(404, 'topic_not_found', `${parsed.kind} ${parsed.id} not found`);
    },
  };
}

export type TopicAccess = ReturnType<typeof createTopicAccess>;
