// Reads a whole request: the trigger, loop phrases, then each sentence clause
// by clause, in the order the request says things.

import { readClause, type Intent, type LoopSource } from './offline-intents';
import { addSpan, blankRanges, maskText, PLACEHOLDER_SOURCE, splitClauses, tidy, unmask, type MaskedText, type ProtectedSpan } from './phrase-text';
import { readTriggerPhrases, type OfflineTrigger } from './trigger-phrases';

export interface MaskedRequest {
  readonly masked: MaskedText;
  /** Masked text with the trigger phrases blanked. */
  readonly text: string;
  readonly trigger: OfflineTrigger | null;
  readonly notes: string[];
}

export interface ActionReading {
  readonly intents: Intent[];
  readonly notes: string[];
  /** Parts of the request no rule understood, as written. */
  readonly unread: string[];
  /** Conditions the request states but no step checks ("if any disk is over 80%"). */
  readonly conditions: string[];
}

/** "Draft a workflow that ...", "can you set up an automation to ...": words about the request, not in it. */
export const PREAMBLE =
  /^\s*(?:(?:hi|hey|hello|ok|okay)[,!.]?\s+)?(?:please\s+)?(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?(?:(?:draft|create|make|build|write|set\s+up|give|add|design)\s+(?:me\s+|us\s+)?|i\s+(?:want|need|would\s+like|'d\s+like)\s+|we\s+(?:want|need)\s+)(?:a|an|the|one)\s+(?:new\s+|simple\s+|small\s+)?(?:workflow|automation|job|pipeline|flow)\s*(?:that|which|to|for|where|:|,)?\s*/i;

export function maskRequest({ prompt, timezone }: { prompt: string; timezone: string }): MaskedRequest {
  const masked = maskText(prompt);
  const preamble = PREAMBLE.exec(masked.text);
  const text = preamble === null ? masked.text : blankRanges(masked.text, [[0, preamble[0].length]]);
  const triggers = readTriggerPhrases({ text, timezone });
  return { masked, text: blankRanges(text, triggers.ranges), trigger: triggers.trigger, notes: [...triggers.notes] };
}

// ---- renaming ---------------------------------------------------------------

const RENAME =
  /\b(?:(?:call|name|title)\s+(?:it|the\s+workflow|this(?:\s+workflow)?)|rename\s+(?:it|the\s+workflow|this(?:\s+workflow)?)?\s*(?:to|as))\s+(?:as\s+)?([^.;\n]+)/i;

/** "call it X" / "rename the workflow to X": the new name, and the text without that phrase. */
export function readRename(text: string, spans: readonly ProtectedSpan[]): { name: string; text: string } | null {
  const match = RENAME.exec(text);
  if (match?.[1] === undefined) return null;
  const name = tidy(unmask(match[1], spans, 'inner')).replace(/^["'\u201c]|["'\u201d]$/g, '');
  if (name === '') return null;
  return { name, text: blankRanges(text, [[match.index, match.index + match[0].length]]) };
}

// ---- loops ------------------------------------------------------------------

const PH = `\uE000\\d+\uE001`;
const LOOP_PREFIX = String.raw`\b(?:for\s+(?:each|every|all)|foreach|loop(?:ing)?\s+(?:over|through)|iterate\s+(?:over|through)|repeat\s+(?:this\s+)?(?:for|over))`;
const ITEM = `(?:${PH}|[\\w.@:/~+-]+)`;
const WORD_LIST = `${ITEM}(?:\\s*,\\s*${ITEM})*\\s*,?\\s*(?:and|or|&)\\s+${ITEM}|${ITEM}(?:\\s*,\\s*${ITEM})+`;
const DETERMINER = String.raw`(?:the\s+|these\s+|those\s+|my\s+|our\s+|its\s+|their\s+)?`;
const LOOP_WITH_LIST = new RegExp(
  `${LOOP_PREFIX}\\s+(?:(?:one\\s+)?of\\s+)?${DETERMINER}(?:([a-z][\\w-]*)\\s+)?(?:(?:in|of|from)\\s+)?(?:the\\s+)?(?:(?:list|array|set)\\s+)?(?:of\\s+)?:?\\s*(${WORD_LIST}|${PH})`,
  'gi',
);
const LOOP_WITHOUT_LIST = new RegExp(
  `${LOOP_PREFIX}\\s+(?:(?:one\\s+)?of\\s+)?${DETERMINER}([a-z][\\w-]*)(?:\\s+(?:in|of|from)\\s+${DETERMINER}(output|outputs|results?|response|list|previous\\s+step|it|them|that|this))?`,
  'gi',
);
const NOT_A_NOUN = new Set(['in', 'of', 'from', 'the', 'one', 'them', 'it', 'these', 'those']);
const PREVIOUS_NOUNS = new Set(['result', 'results', 'output', 'outputs', 'line', 'lines', 'entry', 'entries', 'row', 'rows', 'record', 'records', 'them']);

export interface LoopPhrase {
  readonly source: LoopSource;
  readonly noun: string | null;
}

function listItems(list: string, spans: readonly ProtectedSpan[]): unknown[] | null {
  const only = new RegExp(`^${PLACEHOLDER_SOURCE}$`).exec(list.trim());
  if (only !== null) {
    const span = spans[Number(only[1])];
    if (span?.kind !== 'list') return null;
    try {
      const parsed: unknown = JSON.parse(`[${span.inner}]`);
      if (Array.isArray(parsed) && parsed.length > 0) return parsed;
    } catch {
      // not JSON: a plain comma-separated list
    }
    return splitItems(span.inner, spans);
  }
  return splitItems(list, spans);
}

function splitItems(list: string, spans: readonly ProtectedSpan[]): unknown[] | null {
  const items = list
    .split(/\s*(?:,|\band\b|\bor\b|&)\s*/i)
    .map((item) =>
      unmask(item.trim(), spans, 'inner')
        .replace(/^['"]|['"]$/g, '')
        .trim(),
    )
    .filter((item) => item !== '');
  return items.length > 0 ? items : null;
}

/** Replaces each loop phrase with its own clause (a placeholder) and records what it loops over. */
export function extractLoops(text: string, masked: MaskedText): { text: string; loops: Map<number, LoopPhrase> } {
  const loops = new Map<number, LoopPhrase>();
  const mark = (phrase: LoopPhrase, raw: string): string => {
    const marker = addSpan(masked, { kind: 'loop', inner: raw, raw });
    loops.set(masked.spans.length - 1, phrase);
    return ` , ${marker} , `;
  };
  const noun = (word: string | undefined): string | null => (word === undefined || NOT_A_NOUN.has(word.toLowerCase()) ? null : word.toLowerCase());
  let out = text.replace(LOOP_WITH_LIST, (match: string, word: string | undefined, list: string) => {
    const items = listItems(list, masked.spans);
    if (items === null) return match;
    return mark({ source: { kind: 'items', items }, noun: noun(word) }, match);
  });
  out = out.replace(LOOP_WITHOUT_LIST, (match: string, word: string | undefined, from: string | undefined) => {
    const name = noun(word);
    const previous = from !== undefined || (name !== null && PREVIOUS_NOUNS.has(name));
    return mark({ source: { kind: 'auto', noun: name, previous }, noun: name }, match);
  });
  return { text: out, loops };
}

// ---- sentences and clauses --------------------------------------------------

const CONDITION = /\b(?:if|unless|only\s+when|in\s+case)\b[^,.;\n]*/i;
const FILLER = new Set([
  'change',
  'set',
  'update',
  'move',
  'switch',
  'make',
  'the',
  'schedule',
  'trigger',
  'timing',
  'to',
  'so',
  'it',
  'runs',
  'run',
  'instead',
  'please',
  'now',
  'workflow',
  'this',
  'that',
  'ok',
  'okay',
  'thanks',
  'and',
]);

type Piece = { kind: 'intents'; intents: Intent[]; notes: string[]; text: string } | { kind: 'loop'; phrase: LoopPhrase };

/** Reads the actions of (already masked, trigger-blanked) text, clause by clause. */
export function readActions(text: string, masked: MaskedText): ActionReading {
  const loopsRead = extractLoops(text, masked);
  const notes: string[] = [];
  const unread: string[] = [];
  const condition = CONDITION.exec(loopsRead.text);
  const conditions = condition === null ? [] : [tidy(unmask(condition[0], masked.spans, 'raw'))];
  if (condition !== null) {
    notes.push(
      `the condition "${tidy(unmask(condition[0], masked.spans, 'inner'))}" was not turned into a conditional step offline; the steps run every time (add a "conditional" step to make it one)`,
    );
  }
  const clauses = splitClauses(loopsRead.text);
  const sentences = new Map<number, typeof clauses>();
  for (const clause of clauses) sentences.set(clause.sentence, [...(sentences.get(clause.sentence) ?? []), clause]);

  const intents: Intent[] = [];
  for (const sentence of sentences.values()) {
    const pieces: Piece[] = [];
    let pending: string | null = null;
    let previous: Extract<Piece, { kind: 'intents' }> | null = null;
    for (const clause of sentence) {
      const loopIndex = new RegExp(`^${PLACEHOLDER_SOURCE}$`).exec(clause.text)?.[1];
      const loop = loopIndex === undefined ? undefined : loopsRead.loops.get(Number(loopIndex));
      if (loop !== undefined) {
        if (pending !== null) unread.push(pending);
        pending = null;
        previous = null;
        pieces.push({ kind: 'loop', phrase: loop });
        continue;
      }
      const said: string = pending === null ? clause.text : `${pending}${clause.separator}${clause.text}`;
      const reading = readClause(said, masked.spans);
      const continues = reading?.weak === true && previous?.intents.some((intent) => intent.kind === 'agent') === true;
      if (reading !== null && !continues) {
        previous = { kind: 'intents', intents: reading.intents, notes: reading.notes, text: said };
        pieces.push(previous);
        pending = null;
        continue;
      }
      if (previous?.intents.some((intent) => intent.kind === 'agent') === true) {
        // Words no rule knows ("errors and warnings") belong to the agent's request before them.
        const merged = `${previous.text}${clause.separator}${clause.text}`;
        const again = readClause(merged, masked.spans);
        if (again !== null) {
          Object.assign(previous, { intents: again.intents, notes: again.notes, text: merged });
          continue;
        }
        unread.push(clause.text);
        continue;
      }
      if (previous !== null) {
        unread.push(clause.text);
        continue;
      }
      pending = said;
    }
    if (pending !== null) unread.push(pending);
    intents.push(...assembleLoops(pieces));
    for (const piece of pieces) if (piece.kind === 'intents') notes.push(...piece.notes);
  }
  const unreadText = unread.map((text) => tidy(unmask(text, masked.spans, 'raw'))).filter((text) => !isFiller(text));
  return { intents, notes, unread: unreadText, conditions };
}

function isFiller(text: string): boolean {
  const words = text
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((word) => word !== '');
  return words.every((word) => FILLER.has(word));
}

/** A loop's body is what follows it in the sentence, or else what came before it. */
function assembleLoops(pieces: readonly Piece[]): Intent[] {
  const out: Intent[] = [];
  let sinceLoop = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (piece.kind === 'intents') {
      out.push(...piece.intents);
      continue;
    }
    let end = i + 1;
    while (end < pieces.length && pieces[end]?.kind === 'intents') end++;
    let body = pieces.slice(i + 1, end).flatMap((p) => (p.kind === 'intents' ? p.intents : []));
    if (body.length === 0) body = out.splice(sinceLoop);
    out.push({ kind: 'loop', source: piece.phrase.source, noun: piece.phrase.noun, body });
    sinceLoop = out.length;
    i = end - 1;
  }
  return out;
}
