import type { z } from 'zod';
import { validationError } from './errors';

/** Parses a request part with a shared schema; bad input becomes a 4xx naming the field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.infer<S> {
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}
