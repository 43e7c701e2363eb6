import { isPlainObject } from '../steps/common';

export type JsonExtraction = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/** Longer answers are cut here: a draft is far smaller, and scanning stays linear-ish. */
export const MAX_EXTRACT_LENGTH = 1_000_000;
const MAX_CANDIDATES = 200;
const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g;

/**
 * Finds the JSON object in a model's text answer: the whole text, else a
 * fenced block (```json first), else the first balanced `{...}` that parses.
 * Braces inside JSON strings are handled. Never throws.
 */
export function extractJsonObject(text: unknown): JsonExtraction {
  try {
    if (typeof text !== 'string') return { ok: false, error: 'the answer is not text' };
    const source = text.length > MAX_EXTRACT_LENGTH ? text.slice(0, MAX_EXTRACT_LENGTH) : text;
    if (source.trim() === '') return { ok: false, error: 'the answer is empty' };
    const whole = parseObject(source.trim());
    if (whole.ok) return whole;

    const fences = [...source.matchAll(FENCE)].map((match) => ({ language: (match[1] ?? '').toLowerCase(), body: match[2] ?? '' }));
    fences.sort((a, b) => Number(b.language.startsWith('json')) - Number(a.language.startsWith('json')));
    let lastError: string | null = null;
    for (const fence of fences) {
      const parsed = parseObject(fence.body.trim());
      if (parsed.ok) return parsed;
      const inner = firstBalancedObject(fence.body);
      if (inner.ok) return inner;
      lastError = parsed.error;
    }
    const found = firstBalancedObject(source);
    if (found.ok) return found;
    return { ok: false, error: lastError !== null ? `a fenced block was not a JSON object (${lastError})` : found.error };
  } catch (error) {
    return { ok: false, error: `the answer could not be read: ${error instanceof Error ? error.message : 'unknown error'}` };
  }
}

function parseObject(candidate: string): JsonExtraction {
  try {
    const value: unknown = JSON.parse(candidate);
    return isPlainObject(value) ? { ok: true, value } : { ok: false, error: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}` };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : 'not JSON' };
  }
}

/** Tries each `{` in turn (up to a limit) and parses the balanced span it opens. */
function firstBalancedObject(text: string): JsonExtraction {
  let tried = 0;
  let lastError = 'no JSON object found in the answer';
  for (let start = text.indexOf('{'); start !== -1 && tried < MAX_CANDIDATES; start = text.indexOf('{', start + 1)) {
    tried++;
    const end = balancedEnd(text, start);
    if (end === -1) {
      lastError = 'a JSON object was started but never closed';
      continue;
    }
    const parsed = parseObject(text.slice(start, end + 1));
    if (parsed.ok) return parsed;
    lastError = `found {...} but it is not valid JSON: ${parsed.error}`;
  }
  return { ok: false, error: lastError };
}

/** Index of the `}` closing the `{` at `start`, skipping JSON strings; -1 if unbalanced. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
