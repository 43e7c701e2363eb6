// Text plumbing for the offline drafter: protecting literal spans (code, quotes,
// URLs, lists, dates) from phrase matching, splitting a request into sentences
// and clauses, and reading numbers and durations written in words.

/** A literal span of the request, replaced by a placeholder while phrases are matched. */
export interface ProtectedSpan {
  readonly kind: 'code' | 'quote' | 'url' | 'list' | 'datetime' | 'loop';
  /** The span without its delimiters (the command, the quoted text, the URL...). */
  readonly inner: string;
  /** The span as written, delimiters included. */
  readonly raw: string;
}

export interface MaskedText {
  /** The request with each protected span replaced by `\uE000<index>\uE001`. */
  readonly text: string;
  readonly spans: ProtectedSpan[];
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
/** Matches one placeholder; group 1 is the span index. */
export const PLACEHOLDER_SOURCE = `${OPEN}(\\d+)${CLOSE}`;

export function placeholder(index: number): string {
  return `${OPEN}${index}${CLOSE}`;
}

// Alternatives in priority order at a given position; the leftmost match wins.
const PROTECTED =
  /```[a-z]*\n?([\s\S]*?)```|`([^`\n]+)`|"([^"\n]*)"|\u201c([^\u201d\n]*)\u201d|(https?:\/\/[^\s<>"'`]+)|\[([^[\]\n]*)\]|\b(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)(?![\d:])/gi;
const URL_TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

/** Replaces code, quotes, URLs, bracketed lists and ISO dates with placeholders. */
export function maskText(source: string): MaskedText {
  const spans: ProtectedSpan[] = [];
  const add = (span: ProtectedSpan): string => {
    spans.push(span);
    return placeholder(spans.length - 1);
  };
  const text = source.replace(
    PROTECTED,
    (match: string, fenced?: string, code?: string, quote?: string, smart?: string, url?: string, list?: string, date?: string) => {
      if (fenced !== undefined) return add({ kind: 'code', inner: fenced.trim(), raw: match });
      if (code !== undefined) return add({ kind: 'code', inner: code.trim(), raw: match });
      if (quote !== undefined) return add({ kind: 'quote', inner: quote, raw: match });
      if (smart !== undefined) return add({ kind: 'quote', inner: smart, raw: match });
      if (url !== undefined) {
        const trailing = URL_TRAILING_PUNCTUATION.exec(url)?.[0] ?? '';
        const bare = url.slice(0, url.length - trailing.length);
        return add({ kind: 'url', inner: bare, raw: bare }) + trailing;
      }
      if (list !== undefined) return add({ kind: 'list', inner: list, raw: match });
      if (date !== undefined) return add({ kind: 'datetime', inner: date, raw: match });
      return match;
    },
  );
  return { text, spans };
}

/** Adds a span after masking (the loop phrase) and returns its placeholder. */
export function addSpan(masked: MaskedText, span: ProtectedSpan): string {
  masked.spans.push(span);
  return placeholder(masked.spans.length - 1);
}

/** Puts the original text back: spans as written (`raw`) or without delimiters (`inner`). */
export function unmask(text: string, spans: readonly ProtectedSpan[], style: 'raw' | 'inner' = 'raw'): string {
  return text.replace(new RegExp(PLACEHOLDER_SOURCE, 'g'), (match, index: string) => {
    const span = spans[Number(index)];
    if (span === undefined) return match;
    return style === 'raw' ? span.raw : span.inner;
  });
}

/** Every span of one kind referenced by placeholders in `text`, in order. */
export function spansIn(text: string, spans: readonly ProtectedSpan[], kind: ProtectedSpan['kind']): ProtectedSpan[] {
  const out: ProtectedSpan[] = [];
  for (const match of text.matchAll(new RegExp(PLACEHOLDER_SOURCE, 'g'))) {
    const span = spans[Number(match[1])];
    if (span?.kind === kind) out.push(span);
  }
  return out;
}

/** Blanks the given ranges of a string (keeps offsets stable for later matches). */
export function blankRanges(text: string, ranges: readonly (readonly [number, number])[]): string {
  let out = text;
  for (const [start, end] of ranges) out = out.slice(0, start) + ' '.repeat(end - start) + out.slice(end);
  return out;
}

// ---- sentences and clauses --------------------------------------------------

export interface Clause {
  /** Masked text of the clause, trimmed. */
  readonly text: string;
  /** Index of the sentence holding the clause. */
  readonly sentence: number;
  /** The separator text before this clause within its sentence ("" for the first). */
  readonly separator: string;
}

const SENTENCE_BREAK =
  /(?:[.;!?](?=\s|$)|\n)+|\b(?:finally|after that|afterwards|at the end|in the end|(?:when|once) (?:that is |that's |everything is |all (?:of them )?are |it is |it's |they are )?(?:done|finished))\b/gi;
const CLAUSE_BREAK = /(,|\b(?:and then|and also|and|then|but|also|plus)\b)/gi;

/** Splits masked text into clauses; sentence breaks delimit loop bodies. */
export function splitClauses(masked: string): Clause[] {
  const clauses: Clause[] = [];
  masked.split(SENTENCE_BREAK).forEach((sentence, sentenceIndex) => {
    const parts = sentence.split(CLAUSE_BREAK);
    let separator = '';
    let first = true;
    parts.forEach((part, i) => {
      if (i % 2 === 1) {
        separator = separator === '' ? part : `${separator} ${part}`;
        return;
      }
      const text = part.trim();
      if (text === '') return;
      clauses.push({ text, sentence: sentenceIndex, separator: first ? '' : normaliseSeparator(separator) });
      first = false;
      separator = '';
    });
  });
  return clauses;
}

function normaliseSeparator(separator: string): string {
  const trimmed = separator.replace(/\s+/g, ' ').trim();
  return trimmed.startsWith(',') ? `${trimmed} ` : ` ${trimmed} `;
}

// ---- numbers and durations --------------------------------------------------

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  'forty-five': 45,
  fifty: 50,
  sixty: 60,
  ninety: 90,
};
export const NUMBER_WORD_SOURCE = `(?:\\d+(?:\\.\\d+)?|${Object.keys(NUMBER_WORDS)
  .sort((a, b) => b.length - a.length)
  .join('|')})`;

/** `"15"` -> 15, `"fifteen"` -> 15, `"an"` -> 1; null for anything else. */
export function readNumber(word: string | undefined): number | null {
  if (word === undefined) return null;
  const lower = word.toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(lower)) return Number(lower);
  return NUMBER_WORDS[lower] ?? null;
}

const UNIT_SECONDS: readonly [RegExp, number, string][] = [
  [/^(?:seconds?|secs?|s)$/i, 1, 'second'],
  [/^(?:minutes?|mins?|m)$/i, 60, 'minute'],
  [/^(?:hours?|hrs?|h)$/i, 3600, 'hour'],
  [/^(?:days?|d)$/i, 86400, 'day'],
  [/^(?:weeks?|w)$/i, 604800, 'week'],
];

export interface Duration {
  readonly seconds: number;
  /** Like `10 minutes`. */
  readonly label: string;
  readonly index: number;
  readonly length: number;
}

const DURATION = new RegExp(`\\b(?:(half\\s+an?\\s+hour)|(${NUMBER_WORD_SOURCE})\\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|[smhdw])\\b)`, 'i');

/** The first duration in the text (`10 minutes`, `an hour`, `half an hour`, `90s`). */
export function parseDuration(text: string): Duration | null {
  const match = DURATION.exec(text);
  if (match === null) return null;
  if (match[1] !== undefined) return { seconds: 1800, label: '30 minutes', index: match.index, length: match[0].length };
  const count = readNumber(match[2]);
  const unit = UNIT_SECONDS.find(([pattern]) => pattern.test(match[3] ?? ''));
  if (count === null || count <= 0 || unit === undefined) return null;
  const [, size, name] = unit;
  return { seconds: count * size, label: `${count} ${name}${count === 1 ? '' : 's'}`, index: match.index, length: match[0].length };
}

// ---- small word helpers -----------------------------------------------------

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whitespace collapsed, trailing punctuation removed. */
export function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s,;:.!?-]+$/, '')
    .replace(/^[\s,;:.!?-]+/, '');
}

/** A sentence: tidied, capitalised, ending with a full stop (or the question mark it had). */
export function asSentence(text: string): string {
  const tidied = tidy(text);
  if (tidied === '') return '';
  return /\?\s*$/.test(text.trim()) ? `${capitalise(tidied)}?` : `${capitalise(tidied)}.`;
}

/** `repos` -> `repo`, `entries` -> `entry`, `boxes` -> `box`. */
export function singular(noun: string): string {
  if (/ies$/i.test(noun) && noun.length > 4) return `${noun.slice(0, -3)}y`;
  if (/(?:sses|xes|ches|shes)$/i.test(noun)) return noun.slice(0, -2);
  if (/[^s]s$/i.test(noun)) return noun.slice(0, -1);
  return noun;
}

export function plural(noun: string): string {
  if (/s$/i.test(noun)) return noun;
  if (/[^aeiou]y$/i.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(?:x|ch|sh)$/i.test(noun)) return `${noun}es`;
  return `${noun}s`;
}

/** `600` -> `10 minutes`, `3600` -> `1 hour`, `90` -> `90 seconds`. */
export function durationLabel(seconds: number): string {
  for (const [size, unit] of [
    [604800, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}${seconds / size === 1 ? '' : 's'}`;
  }
  return `${seconds} seconds`;
}
