import type { FastifyInstance } from 'fastify';
import { AppError } from './errors';

/**
 * How deep a JSON request body may nest (arrays and objects inside each other). Far beyond any
 * workflow, input or webhook payload, and far below what JSON.stringify, zod and the other
 * recursive code a body meets can walk without overflowing the stack.
 */
export const JSON_MAX_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * True when `text` (JSON, or what claims to be) opens more than `max` arrays and objects inside
 * each other. One pass over the characters, no recursion and no parse: brackets inside strings
 * are skipped; malformed text is left for the parser to refuse.
 */
export function jsonTooDeep(text: string, max = JSON_MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) depth--;
  }
  return false;
}

/** 400 `body_too_deep`, `details: { limit }`. */
export const bodyTooDeep = (max = JSON_MAX_DEPTH) =>
  new AppError(400, 'body_too_deep', `body: JSON is nested deeper than ${max} levels of arrays and objects`, { limit: max });

/**
 * Fastify's own JSON parser (same prototype-poisoning rules as its default), behind the depth
 * check: a body nested deeper than JSON_MAX_DEPTH is a 400 before it is parsed, on every route
 * (the webhook route parses its raw bytes itself and checks the same: triggers/webhooks.ts).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const { onProtoPoisoning = 'error', onConstructorPoisoning = 'ignore' } = app.initialConfig;
  const parse = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonTooDeep(body as string)) {
      done(bodyTooDeep(), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
