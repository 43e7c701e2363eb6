import { isApiError } from '../api/http';

/**
 * Every error the UI shows, as one sentence a person can act on: an API error, a step's serialized
 * error (`{ name, message }`) or a thrown Error. Class names (`StepFailedError:`), the same message
 * repeated (`x: x`), request recipes (`Authorization: Bearer <token>`) and validator jargon
 * (`Expected string, received number`) are the program's words, not the person's: they go.
 * Approval-specific wording ("Denied by …") is the approvals' own (approvals/); this is the generic rest.
 */

/** Longer messages are cut: an echoed request body must not fill the page. */
export const MAX_ERROR_CHARS = 600;

const FALLBACK = 'Something went wrong. Try again.';

/** `StepFailedError: `, `ApprovalDenied: `, `TypeError: ` at the start of a message. */
const CLASS_PREFIX = /^(?:[A-Z][A-Za-z0-9]*(?:Error|Exception|Denied|TimedOut|Failed|Canceled|Cancelled)|Error)\s*:\s*/;

/** API recipes a person cannot follow in a browser, each with what they should do instead. */
const INSTRUCTIONS: [RegExp, string][] = [
  [/\s*\(Authorization: Bearer[^)]*\)/gi, ''],
  [/\s*\(set WEFT_[A-Z_]+\)/g, ''],
  [/\bsend the path only \([^)]*\)/gi, 'open the address without the scheme and host'],
  [/\b(?:GET|POST|PUT|PATCH|DELETE) \/api\/\S+/g, 'this action'],
  [/;?\s*(?:delete|call|send|retry) with \?[a-z_]+=\S+[^.;]*/gi, ''],
];

/** zod's and the server validator's phrasings, in plain words. */
const PLAIN_WORDS: [RegExp, string | ((...groups: string[]) => string)][] = [
  [/: Required$/i, ' is required'],
  [/^Required$/i, 'a value is required'],
  [/\bInvalid input\b/gi, 'is not valid'],
  [/\bExpected (\w+), received (\w+)/gi, (_m, want, got) => `should be ${kind(want)}, not ${kind(got)}`],
  [/\bString must contain at least 1 character\(s\)/gi, 'must not be empty'],
  [/\bString must contain at least (\d+) character\(s\)/gi, (_m, n) => `must be at least ${n} characters`],
  [/\bString must contain at most (\d+) character\(s\)/gi, (_m, n) => `must be at most ${n} characters`],
  [/\bToo small: expected string to have >=(\d+) characters?/gi, (_m, n) => (n === '1' ? 'must not be empty' : `must be at least ${n} characters`)],
  [/\bToo big: expected string to have <=(\d+) characters?/gi, (_m, n) => `must be at most ${n} characters`],
  [
    /\bInvalid enum value\. Expected ([^,]+(?:, [^,]+)*), received '([^']*)'/gi,
    (_m, options, got) => `"${got}" is not one of ${options.replace(/ \| /g, ', ')}`,
  ],
  [/\bUnrecognized key\(s\) in object: /gi, 'unknown field(s): '],
];

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  undefined: 'missing',
  null: 'empty',
  integer: 'a whole number',
};
const kind = (word: string) => KINDS[word.toLowerCase()] ?? word;

function plain(message: string): string {
  let text = message.trim();
  while (CLASS_PREFIX.test(text)) text = text.replace(CLASS_PREFIX, '');
  for (const [pattern, replacement] of INSTRUCTIONS) text = text.replace(pattern, replacement);
  text = text.replace(/^\(root\):\s*/, '');
  for (const [pattern, replacement] of PLAIN_WORDS) text = text.replace(pattern, replacement as string);
  text = dropRepeat(text);
  if (text.length > MAX_ERROR_CHARS) text = `${text.slice(0, MAX_ERROR_CHARS).trimEnd()}… (message shortened)`;
  if (text === '') return FALLBACK;
  const sentence = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?…)]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** `x: x` or `x. x` (a cause repeated in the message that wraps it) says x once. */
function dropRepeat(text: string): string {
  const parts = text.split(/(?::|\.)\s+/);
  const seen: string[] = [];
  for (const part of parts) {
    const key = part.trim().toLowerCase().replace(/[.:]$/, '');
    if (key !== '' && seen.some((s) => s.trim().toLowerCase().replace(/[.:]$/, '') === key)) return seen.join(': ');
    seen.push(part);
  }
  return text;
}

/** A step's or execution's serialized error (`{ name, message }`), without the class name. */
export function stepErrorSentence(error: { name?: string; message: string }): string {
  return plain(error.message);
}

/** Any caught error as a sentence: the API's message, a thrown Error's, or a generic one. */
export function errorSentence(error: unknown): string {
  if (isApiError(error)) return plain(error.message);
  if (error instanceof Error) return plain(error.message);
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return plain((error as { message: string }).message);
  }
  return FALLBACK;
}

/** Where a person fixes what an error is about, by its code; the UI links there instead of explaining the API. */
const FIXES: Record<string, { href: string; label: string }> = {
  unauthorized: { href: '/signin', label: 'Sign in' },
  trigger_disabled: { href: '/automation/schedules-and-hooks', label: 'Open Schedules & hooks' },
  invalid_trigger: { href: '/automation/schedules-and-hooks', label: 'Open Schedules & hooks' },
};
const INTEGRATIONS_FIX = { href: '/integrations', label: 'Open Integrations' };

/** The page that fixes `error`, when there is one (an integration's errors: Integrations). */
export function errorFix(error: unknown): { href: string; label: string } | null {
  if (!isApiError(error)) return null;
  if (error.code.startsWith('integration_')) return INTEGRATIONS_FIX;
  return FIXES[error.code] ?? null;
}

/**
 * The line above a list of problems: the list says each one, so the error's own message (which
 * repeats the first problem) is not shown as well. Without problems, the error's sentence.
 */
export function errorHeadline(error: unknown, issues: readonly unknown[], outcome: string): string {
  if (issues.length === 0) return errorSentence(error);
  return `${outcome}: ${issues.length === 1 ? 'one problem needs' : `${issues.length} problems need`} fixing first.`;
}
