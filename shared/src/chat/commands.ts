/**
 * Chat commands (`/run`, `/runs`, `/why`, `/fix`, `/approve`, `/deny`, `/help`): the one parser the server
 * runs on a posted message and the composer's palette completes from. Pure: no I/O.
 */

export const CHAT_COMMANDS = [
  { name: 'run', usage: '/run <workflow> [key=value … | JSON]', summary: 'Start a workflow in this chat' },
  { name: 'runs', usage: '/runs [workflow]', summary: 'List recent runs' },
  { name: 'why', usage: '/why [run]', summary: 'Explain why a run failed: the step, its error, its last log lines' },
  { name: 'fix', usage: '/fix [run]', summary: 'Diagnose a failed run and propose a fix you can apply and re-run' },
  { name: 'approve', usage: '/approve [comment]', summary: "Approve this chat's pending approval (one at a time: with several, use their cards)" },
  { name: 'deny', usage: '/deny [comment]', summary: "Deny this chat's pending approvals" },
  { name: 'help', usage: '/help', summary: 'List the commands' },
] as const;

export type ChatCommandName = (typeof CHAT_COMMANDS)[number]['name'];

export type ChatCommand =
  /** `inputs` as typed: values of `key=value` are strings (see `coerceCommandInputs`); a JSON object keeps its types. */
  | { name: 'run'; workflow: string; inputs: Record<string, unknown>; inputsFrom: 'pairs' | 'json' }
  | { name: 'runs'; workflow?: string }
  | { name: 'why'; execution?: string }
  | { name: 'fix'; execution?: string }
  | { name: 'approve' | 'deny'; comment?: string }
  | { name: 'help' };

export type ParsedChatCommand = { ok: true; command: ChatCommand } | { ok: false; name: string; error: string };

const COMMAND_HEAD = /^\/([A-Za-z][\w-]*)(?=\s|$)/;
const PAIR = /^([A-Za-z_][\w.-]*)=/;
const MAX_ARGUMENT_TEXT = 20_000;

/** Whether a message is meant as a command: `/` then a word (a path like `/tmp/x` is a word then `/`, so it is not). */
export function isChatCommand(text: string): boolean {
  return COMMAND_HEAD.test(text.trimStart());
}

const commandNamed = (name: string) => CHAT_COMMANDS.find((c) => c.name === name);

/** Splits on whitespace, keeping "double-quoted" and 'single-quoted' runs together (quotes removed, \" kept). */
export function splitCommandWords(text: string): { words: string[]; error?: string } {
  const words: string[] = [];
  let current = '';
  let started = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) return { words, error: `a ${quote === '"' ? 'double' : 'single'} quote is not closed` };
  if (started) words.push(current);
  return { words };
}

function firstUnquotedBrace(text: string): number {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '{') return i;
  }
  return -1;
}

function parseRun(rest: string): ParsedChatCommand {
  const usage = commandNamed('run')!.usage;
  const fail = (error: string): ParsedChatCommand => ({ ok: false, name: 'run', error: `${error}. Usage: ${usage}` });
  // A JSON object of inputs starts at the first `{` outside quotes; everything before it names the workflow.
  const brace = firstUnquotedBrace(rest);
  const head = brace === -1 ? rest : rest.slice(0, brace);
  const { words, error } = splitCommandWords(head);
  if (error) return fail(error);
  if (brace !== -1) {
    let inputs: unknown;
    try {
      inputs = JSON.parse(rest.slice(brace));
    } catch {
      return fail('the inputs after the workflow name are not valid JSON');
    }
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) return fail('JSON inputs must be an object');
    if (words.length === 0) return fail('name the workflow to run');
    return { ok: true, command: { name: 'run', workflow: words.join(' '), inputs: inputs as Record<string, unknown>, inputsFrom: 'json' } };
  }
  // The workflow is every word before the first key=value; names with spaces need no quotes.
  const firstPair = words.findIndex((w) => PAIR.test(w));
  const nameWords = firstPair === -1 ? words : words.slice(0, firstPair);
  if (nameWords.length === 0) return fail('name the workflow to run');
  const inputs: Record<string, unknown> = {};
  for (const word of firstPair === -1 ? [] : words.slice(firstPair)) {
    const m = PAIR.exec(word);
    if (!m) return fail(`"${word}" is not key=value`);
    const key = m[1]!;
    if (Object.hasOwn(inputs, key)) return fail(`input "${key}" is given twice`);
    inputs[key] = word.slice(m[0].length);
  }
  return { ok: true, command: { name: 'run', workflow: nameWords.join(' '), inputs, inputsFrom: 'pairs' } };
}

/**
 * Parses a message that starts with `/`; null when it is not a command at all. Never throws: an
 * unknown command or bad arguments give `ok: false` with a sentence that says what to type instead.
 */
export function parseChatCommand(text: string): ParsedChatCommand | null {
  const trimmed = text.trim();
  const head = COMMAND_HEAD.exec(trimmed);
  if (!head) return null;
  const name = head[1]!.toLowerCase();
  const rest = trimmed.slice(head[0].length).trim();
  if (rest.length > MAX_ARGUMENT_TEXT) return { ok: false, name, error: `the arguments are longer than ${MAX_ARGUMENT_TEXT} characters` };
  const spec = commandNamed(name);
  if (!spec) return { ok: false, name, error: `/${name} is not a command. Type /help to see the commands.` };
  switch (spec.name) {
    case 'run':
      return parseRun(rest);
    case 'runs': {
      const { words, error } = splitCommandWords(rest);
      if (error) return { ok: false, name, error: `${error}. Usage: ${spec.usage}` };
      return { ok: true, command: words.length > 0 ? { name: 'runs', workflow: words.join(' ') } : { name: 'runs' } };
    }
    case 'why':
    case 'fix': {
      const { words, error } = splitCommandWords(rest);
      if (error || words.length > 1) return { ok: false, name, error: `name at most one run. Usage: ${spec.usage}` };
      const which = spec.name;
      return { ok: true, command: words[0] ? { name: which, execution: words[0] } : { name: which } };
    }
    case 'approve':
    case 'deny':
      return { ok: true, command: rest ? { name: spec.name, comment: rest } : { name: spec.name } };
    case 'help':
      return { ok: true, command: { name: 'help' } };
    default: {
      const never: never = spec;
      return { ok: false, name, error: `unknown command ${String(never)}` };
    }
  }
}

type InputKind = 'string' | 'number' | 'boolean' | 'object' | 'array';

/**
 * Turns `key=value` strings into the types the workflow declares (`count=3` → 3, `dry=true` → true,
 * `hosts=["a"]` → an array). Values it cannot read as the declared type stay strings, so the run's
 * own input check names the input and the type it wanted.
 */
export function coerceCommandInputs(
  specs: Record<string, { type?: InputKind | string }> | undefined,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) {
    const type = specs && Object.hasOwn(specs, key) ? specs[key]?.type : undefined;
    out[key] = typeof value === 'string' ? coerceOne(type, value) : value;
  }
  return out;
}

function coerceOne(type: string | undefined, value: string): unknown {
  switch (type) {
    case 'number': {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) ? n : value;
    }
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'object':
    case 'array':
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    default:
      return value;
  }
}

/** Palette completions for what is typed so far: commands while the first word is typed, then workflow names. */
export function completeChatCommand({
  text,
  workflowNames,
  limit = 8,
}: {
  text: string;
  workflowNames: readonly string[];
  limit?: number;
}): { label: string; insert: string; detail: string }[] {
  if (!text.startsWith('/')) return [];
  const space = text.search(/\s/);
  if (space === -1) {
    const typed = text.slice(1).toLowerCase();
    return CHAT_COMMANDS.filter((c) => c.name.startsWith(typed))
      .slice(0, limit)
      .map((c) => ({ label: `/${c.name}`, insert: c.name === 'help' ? '/help' : `/${c.name} `, detail: c.summary }));
  }
  const name = text.slice(1, space).toLowerCase();
  if (name !== 'run' && name !== 'runs') return [];
  const typed = text.slice(space).trimStart();
  // Once inputs start, the name is chosen.
  if (/\s\S+=|\{/.test(` ${typed}`)) return [];
  const needle = typed.toLowerCase();
  return workflowNames
    .filter((n) => n.toLowerCase().includes(needle) && n !== typed)
    .slice(0, limit)
    .map((n) => ({ label: n, insert: `/${name} ${/["'{]|\s\S+=/.test(` ${n}`) ? JSON.stringify(n) : n}${name === 'run' ? ' ' : ''}`, detail: 'workflow' }));
}
