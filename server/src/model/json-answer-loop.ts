import { extractJsonObject, type ChatMessage, type ModelProvider, type ModelTask, type ProviderKind } from '@weft/shared';
import { AppError } from '../http/errors';

export type AnswerIssue = { path: string; message: string };
export type AnswerCheck<T> = (answer: unknown) => { ok: true; result: T } | { ok: false; errors: AnswerIssue[] };

export type JsonAnswer<T> =
  | { ok: true; result: T; attempts: number; provider: ProviderKind; model: string }
  | { ok: false; errors: AnswerIssue[]; attempts: number; lastAnswer: unknown };

/** Upstream failures are the model's, not the caller's: 502 with what the provider said. */
function modelError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { status?: number }).status;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError(502, 'model_unavailable', `the model request failed${status ? ` (${status})` : ''}: ${message.slice(0, 500)}`);
}

/**
 * Asks the model for a JSON object (`schema`) until `check` accepts it: an answer that is not JSON,
 * or that `check` refuses, goes back to the model with its errors, at most `maxAttempts` turns in
 * all. Drafting and fixes both ask this way. A failed request throws `modelError`; running out of
 * attempts is a result (`ok: false`), each caller says what that means for it.
 */
export async function askForJsonAnswer<T>({
  model,
  system,
  firstMessage,
  schema,
  task,
  check,
  maxAttempts,
  signal,
}: {
  model: ModelProvider;
  system: string;
  firstMessage: string;
  schema: Record<string, unknown>;
  task?: ModelTask | undefined;
  check: AnswerCheck<T>;
  maxAttempts: number;
  signal?: AbortSignal | undefined;
}): Promise<JsonAnswer<T>> {
  const messages: ChatMessage[] = [{ role: 'user', content: firstMessage }];
  let lastErrors: AnswerIssue[] = [];
  let lastAnswer: unknown = null;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let turn: Awaited<ReturnType<ModelProvider['turn']>>;
    try {
      turn = await model.turn({ system, messages, outputSchema: schema, ...(task ? { task } : {}), ...(signal ? { signal } : {}) });
    } catch (err) {
      throw modelError(err);
    }
    const parsed = extractJsonObject(turn.text);
    let errors: AnswerIssue[];
    if (!parsed.ok) {
      errors = [{ path: '(answer)', message: `the answer is not a JSON object: ${parsed.error}` }];
      lastAnswer = turn.text;
    } else {
      lastAnswer = parsed.value;
      const outcome = check(parsed.value);
      if (outcome.ok) return { ok: true, result: outcome.result, attempts: attempt, provider: turn.provider, model: turn.model };
      errors = outcome.errors;
    }
    lastErrors = errors;
    messages.push({ role: 'assistant', content: turn.text || '(empty answer)' });
    messages.push({
      role: 'user',
      content: `That answer is not valid. Fix these errors and answer again with the complete JSON object only:\n${errors.map((e) => `- ${e.path}: ${e.message}`).join('\n')}`,
    });
  }
  return { ok: false, errors: lastErrors, attempts: maxAttempts, lastAnswer };
}
