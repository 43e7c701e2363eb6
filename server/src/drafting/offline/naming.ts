import { parseTemplate, STEP_ID_PATTERN } from '@weft/shared';
import { capitalise, tidy } from './phrase-text';

export const MAX_DRAFT_NAME_LENGTH = 60;
const MAX_ID_BASE_LENGTH = 56;

/** Escapes `{{` and `}}` so the text renders exactly as written. */
export function literalTemplate(text: string): string {
  return text.replace(/\{\{|\}\}/g, (pair) => (pair === '{{' ? '{{ "{{" }}' : '{{ "}}" }}'));
}

/** Text a person wrote where a template is expected: kept when it parses, else made literal. */
export function templateOrLiteral(text: string): string {
  try {
    parseTemplate(text);
    return text;
  } catch {
    return literalTemplate(text);
  }
}

/** `Summarise open issues!` -> `summarise_open_issues`; always a valid step id. */
export function toStepId(text: string, fallback = 'step'): string {
  const base = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .slice(0, MAX_ID_BASE_LENGTH)
    .replace(/_+$/, '');
  return STEP_ID_PATTERN.test(base) ? base : fallback;
}

/** Hands out step ids unique across a whole definition: `notify`, `notify_2`, ... */
export class StepIdAllocator {
  private readonly taken: Set<string>;

  constructor(taken: Iterable<string> = []) {
    this.taken = new Set(taken);
  }

  take(wanted: string): string {
    const base = toStepId(wanted);
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    return id;
  }
}

/** A short human title: tidied, capitalised, at most `max` characters (cut at a word). */
export function shortTitle(text: string, max = MAX_DRAFT_NAME_LENGTH): string {
  const tidied = capitalise(tidy(text));
  if (tidied.length <= max) return tidied;
  const cut = tidied.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${tidy(space > max / 2 ? cut.slice(0, space) : cut)}…`;
}

export const MAX_DRAFT_TITLE_LENGTH = 40;
/** Where a request's first action ends: a sentence break, a comma or a condition. */
const FIRST_ACTION_END = /[.!?;:\n,]|\s(?:if|unless|when|whenever|in\s+case|and\s+then|then)\s/i;

/**
 * A draft's name: a short title from the request's first action ("Check disk usage on all
 * servers"), never the whole request sentence; cut at a word, without an ellipsis.
 */
export function draftName(text: string): string {
  const tidied = tidy(text);
  const end = FIRST_ACTION_END.exec(tidied);
  const first = tidy(end === null || end.index === 0 ? tidied : tidied.slice(0, end.index));
  const space = first.slice(0, MAX_DRAFT_TITLE_LENGTH + 1).lastIndexOf(' ');
  const cut = first.length <= MAX_DRAFT_TITLE_LENGTH ? first : first.slice(0, space > MAX_DRAFT_TITLE_LENGTH / 2 ? space : MAX_DRAFT_TITLE_LENGTH);
  return capitalise(tidy(cut).replace(/(?:\s+(?:and|or|the|a|an|to|of|on|in|for|with|then))+$/i, ''));
}
