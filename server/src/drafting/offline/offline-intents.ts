// Reads one clause of a request ("summarise open issues", "ask me before
// posting") into intents: what the offline drafter will turn into steps.

import type { HttpMethod, NotifyChannel, Step } from '@weft/shared';
import { findKnownCommand } from './known-commands';
import { literalTemplate, shortTitle, templateOrLiteral, toStepId } from './naming';
import { asSentence, parseDuration, PLACEHOLDER_SOURCE, spansIn, tidy, unmask, type ProtectedSpan } from './phrase-text';

export type GuardFamily = 'notify' | 'bash' | 'http';

export type NotifyMessage = { kind: 'text'; text: string; userTemplate: boolean } | { kind: 'auto' };

export type LoopSource = { kind: 'items'; items: unknown[] } | { kind: 'auto'; noun: string | null; previous: boolean };

export type Intent =
  | { kind: 'bash'; id: string; name: string; command: string; userTemplate: boolean; known?: string; placeholder?: true }
  | { kind: 'agent'; id: string; name: string; sentence: string; summary: boolean; fromNotify?: true }
  | { kind: 'notify'; message: NotifyMessage; channel?: NotifyChannel; id?: string; name?: string }
  | {
      kind: 'approval';
      guard: GuardFamily | 'last' | null;
      /** "Before posting a summary": what to post is a summary. */
      summary?: true;
      /** "Ask me": the person asking is the one to approve, so approving one's own run is allowed. */
      self?: true;
    }
  | { kind: 'wait'; seconds: number; label: string }
  | { kind: 'wait_until'; until: string; label: string }
  | { kind: 'http'; id: string; name: string; method: HttpMethod; url: string; sendPrevious: boolean }
  | { kind: 'loop'; source: LoopSource; noun: string | null; body: Intent[] }
  | { kind: 'existing'; step: Step };

export interface ClauseReading {
  readonly intents: Intent[];
  readonly notes: string[];
  /** Only a well-known noun phrase, no verb ("the error logs"): it may belong to the clause before. */
  readonly weak?: true;
}

const APPROVAL =
  /\b(?:ask\s+(?:me|us|the\s+owner)\b|check\s+with\s+(?:me|us)|get\s+(?:my|an?|our)\s+(?:ok|okay|approval|sign[- ]?off|go[- ]ahead)|wait\s+for\s+(?:my\s+|an?\s+|our\s+|human\s+)?(?:approval|confirmation|sign[- ]?off|go[- ]ahead|ok|me\s+to\s+(?:approve|confirm))|approv(?:e|al)|confirm(?:ation)?|sign[- ]?off|let\s+me\s+(?:approve|confirm|decide|review))\b/i;
const GUARD = /\bbefore\s+(?:you\s+|it\s+|we\s+|actually\s+|anything\s+is\s+)?(?:(?:the\s+)?(?:last|final)\s+(?:action|step)|(\w+))/i;
const GUARD_WORDS: readonly [RegExp, GuardFamily][] = [
  [/^(?:post|posting|send|sending|notify|notifying|publish|publishing|message|messaging|tell|telling|announc\w*|shar\w*)$/i, 'notify'],
  [
    /^(?:run|running|execut\w*|deploy\w*|restart\w*|delet\w*|remov\w*|push\w*|merg\w*|apply\w*|applying|releas\w*|install\w*|updat\w*|migrat\w*|clean\w*|doing)$/i,
    'bash',
  ],
  [/^(?:call\w*|fetch\w*|request\w*|hit\w*|upload\w*)$/i, 'http'],
];
const WAIT = /\b(?:wait|pause|sleep|delay|hold\s+(?:on|off))\b/i;
const UNTIL = /\buntil\s+(.+)$/i;
const AGENT_PREFIX = /^\s*(?:please\s+)?(?:ask|have|let|get|use)\s+(?:an?\s+|the\s+)?(?:agent|claude|ai|llm|model|assistant|gpt|bot)\s+(?:to\s+)?/i;
const AGENT_VERB =
  /\b(summari[sz]e|analy[sz]e|write|draft|triage|review|explain|classify|categori[sz]e|translate|generate|compose|describe|suggest|extract|evaluate|assess|prioriti[sz]e|brainstorm|rewrite|proofread|answer|recommend|outline|interpret|diagnose|investigate|compare)\b/i;
const NOTIFY =
  /\b(?:notify|tell|message\s+(?:me|us)|ping\s+(?:me|us)|alert|post|send|let\s+(?:me|us|the\s+team|everyone)\s+know|report\s+(?:back|to\s+(?:me|us))|share|e-?mail|text\s+(?:me|us)|dm\s+(?:me|us)|remind|announce|inform|update\s+(?:me|us)|warn)\b/i;
const SUMMARY_NOUN = /\b(summary|digest|recap|overview|report)\b(?!\s+(?:back|to\s+(?:me|us)))/i;
const LOOK_VERB = /\b(?:check|show|list|get|monitor|report|see|look|count|read|watch|measure|print|display|collect|gather|find|pull|fetch|tail)\b/i;
const RUN = /\b(?:run|execute|exec|invoke|launch)\b/i;
const RUN_COMMAND = /\b(?:run|execute)\s+(?:the\s+)?(?:shell\s+)?(?:command|script|cmd)\s*:?\s+(.+)$/i;
const RUN_PATH = /\b(?:run|execute)\s+((?:\.{1,2}\/|\/|~\/)\S.*)$/i;
const BINARY =
  '(?:npm|pnpm|yarn|npx|make|git|docker|kubectl|python3?|node|bash|sh|curl|wget|ls|df|du|free|uptime|ps|systemctl|journalctl|terraform|ansible-playbook|helm|cargo|go|rsync|scp|ssh|pg_dump|mysqldump|tar|gh|aws|gcloud|az|deno|bun|pytest|rake|bundle|mvn|gradle)\\b';
const RUN_BINARY = new RegExp(`\\b(?:run|execute)\\s+(${BINARY}.*)$`, 'i');
const BARE_COMMAND = new RegExp(`^\\s*(?:(?:run|use|execute)\\s+)?((?:\\.{1,2}/|/|~/)\\S.*|${BINARY}.*)$`, 'i');

/** A request that is itself a shell command ("df -h /home", "run ./x.sh"), else null. */
export function looseCommand(text: string): string | null {
  if (/\n/.test(text.trim())) return null;
  const command = BARE_COMMAND.exec(text)?.[1]?.trim();
  if (command === undefined) return null;
  // "make it better" starts with a binary's name too: ask for some shell syntax.
  const shellish =
    /^(?:\.{1,2}\/|\/|~\/)/.test(command) ||
    command
      .split(/\s+/)
      .slice(1)
      .some((token) => /^-|[/.=|]/.test(token));
  return shellish ? command : null;
}

const HTTP_VERB = /\b(?:fetch|get|download|call|curl|hit|ping|poll|request|query|load|check|monitor|read|pull|grab|scrape|visit|open)\b/i;
const SEND_VERB = /\b(?:post|send|push|upload|submit|forward)\b/i;
const CHAT_CUE = /\b(?:slack|discord|teams|mattermost|chat|webhook|hook|channel|room)\b/i;
const CHAT_HOST = /hooks\.slack\.com|discord(?:app)?\.com\/api\/webhooks|webhook\.office\.com|outlook\.office\.com\/webhook/i;
const PRONOUNS = new Set(['it', 'them', 'this', 'that', 'these', 'those', 'result', 'results', 'output', 'outputs', 'response', 'me', 'us']);
const STOPWORDS = new Set([
  'a',
  'an',
  'the',
  'of',
  'for',
  'to',
  'my',
  'our',
  'its',
  'their',
  'in',
  'on',
  'with',
  'about',
  'and',
  'or',
  'from',
  'all',
  'any',
  'some',
  'into',
  'as',
  'by',
  'at',
  'please',
  'then',
  'up',
]);
const BRITISH: Readonly<Record<string, string>> = { summarise: 'summarize', analyse: 'analyze', categorise: 'categorize', prioritise: 'prioritize' };

export function readClause(said: string, spans: readonly ProtectedSpan[]): ClauseReading | null {
  const text = withBaseVerb(said);
  const codes = spansIn(text, spans, 'code');
  const urls = spansIn(text, spans, 'url');
  if (APPROVAL.test(text)) return { intents: [approvalIntent(text)], notes: [] };
  if (WAIT.test(text)) {
    const wait = readWait(text, spans);
    if (wait !== null) return wait;
  }
  const prefix = AGENT_PREFIX.exec(text);
  if (prefix !== null) return { intents: agentIntents(text.slice(prefix[0].length), spans, true), notes: [] };
  const [url] = urls;
  if (url !== undefined && codes.length === 0) {
    if (NOTIFY.test(text) && (CHAT_CUE.test(text) || CHAT_HOST.test(url.inner))) return notifyReading(text, spans, { webhookUrl: url.inner });
    if (
      HTTP_VERB.test(text) ||
      SEND_VERB.test(text) ||
      /\b(?:GET|POST|PUT|PATCH|DELETE|HEAD)\b/.test(text) ||
      tidy(unmask(text, spans, 'inner')) === url.inner
    ) {
      return { intents: [httpIntent(text, url.inner)], notes: [] };
    }
  }
  const hasOtherVerb = AGENT_VERB.test(text) || NOTIFY.test(text);
  if (codes.length > 0 && (RUN.test(text) || !hasOtherVerb)) return { intents: codes.map((code) => bashFromCommand(code.inner)), notes: [] };
  const command = RUN_COMMAND.exec(text) ?? RUN_PATH.exec(text) ?? RUN_BINARY.exec(text);
  if (command?.[1] !== undefined) return { intents: [bashFromCommand(unmask(command[1], spans, 'inner').trim())], notes: [] };
  if (AGENT_VERB.test(text)) return { intents: agentIntents(text, spans, false), notes: [] };
  if (NOTIFY.test(text)) return notifyReading(text, spans, undefined);
  const known = findKnownCommand(text);
  if (known !== null) return { intents: [knownBash(known.entry)], notes: [], ...(LOOK_VERB.test(text) ? {} : { weak: true as const }) };
  if (/^\s*(?:please\s+)?(?:run|execute)\b/i.test(text)) {
    const said = tidy(unmask(text, spans, 'inner'));
    return { intents: [placeholderBash(said)], notes: [`no command was given for "${said}"; its step fails with a message until you set the command`] };
  }
  if (SUMMARY_NOUN.test(text) || /\bsummari[sz]e\b/i.test(text)) return { intents: agentIntents(text, spans, false), notes: [] };
  return null;
}

/** "ask me", "check with me", "let me approve", "my OK", "wait for me to confirm". */
const ASKS_ME = /\b(?:asks?|check\s+with|let)\s+me\b|\bmy\s+(?:ok|okay|approval|sign[- ]?off|go[- ]ahead)\b|\bme\s+to\s+(?:approve|confirm)\b/i;

function approvalIntent(text: string): Intent {
  const self = ASKS_ME.test(text) ? { self: true as const } : {};
  const guard = GUARD.exec(text);
  if (guard === null) return { kind: 'approval', guard: null, ...self };
  if (guard[1] === undefined) return { kind: 'approval', guard: 'last', ...self };
  const family = GUARD_WORDS.find(([pattern]) => pattern.test(guard[1] ?? ''))?.[1] ?? null;
  const summary = family === 'notify' && SUMMARY_NOUN.test(text.slice(guard.index));
  return { kind: 'approval', guard: family, ...(summary ? { summary: true as const } : {}), ...self };
}

// "lists open issues and asks me before posting": a request describing the
// workflow uses third-person verbs; clauses are read with the base form.
const THIRD_PERSON: Readonly<Record<string, string>> = {
  lists: 'list',
  asks: 'ask',
  posts: 'post',
  sends: 'send',
  runs: 'run',
  notifies: 'notify',
  tells: 'tell',
  checks: 'check',
  fetches: 'fetch',
  waits: 'wait',
  writes: 'write',
  drafts: 'draft',
  summarises: 'summarise',
  summarizes: 'summarize',
  analyses: 'analyse',
  analyzes: 'analyze',
  triages: 'triage',
  reviews: 'review',
  pings: 'ping',
  alerts: 'alert',
  reminds: 'remind',
  loops: 'loop',
  executes: 'execute',
  calls: 'call',
  gets: 'get',
  emails: 'email',
  messages: 'message',
  pauses: 'pause',
  sleeps: 'sleep',
  approves: 'approve',
  confirms: 'confirm',
  generates: 'generate',
  shares: 'share',
  explains: 'explain',
  monitors: 'monitor',
  downloads: 'download',
  polls: 'poll',
  reports: 'report',
  iterates: 'iterate',
  repeats: 'repeat',
};
const LEADING_VERB = /^(\s*(?:(?:then|also|and|finally|please)\s+)*)([a-z]+)\b/i;

/** The clause with its first verb in the base form ("asks me" -> "ask me"). */
export function withBaseVerb(text: string): string {
  return text.replace(LEADING_VERB, (match, lead: string, word: string) => {
    const base = THIRD_PERSON[word.toLowerCase()];
    return base === undefined ? match : `${lead}${word[0] === word[0]?.toUpperCase() ? base[0]!.toUpperCase() + base.slice(1) : base}`;
  });
}

function readWait(text: string, spans: readonly ProtectedSpan[]): ClauseReading | null {
  const [datetime] = spansIn(text, spans, 'datetime');
  if (datetime !== undefined) {
    const until = isoInstant(datetime.inner);
    if (until !== null) {
      const notes = until.assumedUtc ? [`"${datetime.inner}" has no UTC offset; the wait reads it as UTC`] : [];
      return { intents: [{ kind: 'wait_until', until: until.iso, label: `until ${until.iso}` }], notes };
    }
  }
  const duration = parseDuration(text);
  if (duration !== null) return { intents: [{ kind: 'wait', seconds: duration.seconds, label: duration.label }], notes: [] };
  const until = UNTIL.exec(unmask(text, spans, 'inner'));
  if (until?.[1] !== undefined) {
    const said = tidy(until[1]);
    return {
      intents: [{ kind: 'wait', seconds: 3600, label: '1 hour' }],
      notes: [
        `"until ${said}" needs a date and time the offline drafter cannot work out without a clock; the wait is 1 hour, set "until" to an ISO date-time instead`,
      ],
    };
  }
  return null;
}

/** `2025-06-01 09:00` -> `2025-06-01T09:00:00Z`; null when it is not a real date-time. */
export function isoInstant(text: string): { iso: string; assumedUtc: boolean } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (match === null) return null;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', offset] = match;
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > 31 || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    return null;
  const zone = offset === undefined ? 'Z' : offset.toUpperCase() === 'Z' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  return { iso: `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${zone}`, assumedUtc: offset === undefined };
}

function agentIntents(text: string, spans: readonly ProtectedSpan[], viaPrefix: boolean): Intent[] {
  const intents: Intent[] = [];
  const known = findKnownCommand(text);
  if (known !== null) intents.push(knownBash(known.entry));
  const [code] = spansIn(text, spans, 'code');
  if (code !== undefined && /\b(?:output|results?)\s+of\b|\brunning\b/i.test(text)) intents.push(bashFromCommand(code.inner));
  // An agent cannot open a URL: fetch it first and hand it the body.
  const [url] = spansIn(text, spans, 'url');
  if (url !== undefined && code === undefined) intents.push(httpIntent('fetch', url.inner));
  const written = unmask(text, spans, 'raw');
  const sentence = asSentence(written) || 'Answer the request.';
  // Ids come from the words, not from commands or URLs in them.
  let plain = tidy(text.replace(new RegExp(PLACEHOLDER_SOURCE, 'g'), ' ')).toLowerCase();
  if (known !== null) plain = plain.replace(new RegExp(known.entry.pattern.source, 'gi'), ' ');
  const words = plain.split(/[^a-z0-9']+/).filter((word) => word !== '' && word !== 'please');
  const verbAt = words.findIndex((word) => new RegExp(`^${AGENT_VERB.source}$`, 'i').test(word));
  const verb = verbAt === -1 ? null : (BRITISH[words[verbAt] ?? ''] ?? words[verbAt] ?? null);
  const content = words
    .slice(verbAt + 1)
    .filter((word) => !STOPWORDS.has(word) && !PRONOUNS.has(word) && !word.includes("'"))
    .slice(0, 2);
  const id =
    verb === null ? (viaPrefix ? 'ask_agent' : toStepId(words.slice(0, 3).join('_'), 'ask_agent')) : toStepId([verb, ...content].join('_'), 'ask_agent');
  intents.push({ kind: 'agent', id, name: shortTitle(unmask(text, spans, 'inner')) || 'Ask the agent', sentence, summary: /summar/i.test(text) });
  return intents;
}

function notifyReading(text: string, spans: readonly ProtectedSpan[], channel: NotifyChannel | undefined): ClauseReading {
  const intents: Intent[] = [];
  const notes: string[] = [];
  const known = findKnownCommand(text);
  if (known !== null) intents.push(knownBash(known.entry));
  const summary = SUMMARY_NOUN.exec(text);
  if (summary !== null && summary[1] !== undefined) {
    const noun = summary[1].toLowerCase();
    const destination = /\s+(?:to|in|on|into|via)\s+(?:the\s+|my\s+|our\s+)?(?:chat|slack|discord|teams|mattermost|channel|session|me|us|webhook)\b.*$/i;
    const asked = `Write a ${unmask(text.slice(summary.index).replace(destination, ''), spans, 'raw')}`;
    const id = noun === 'summary' ? 'summarize' : `write_${noun}`;
    intents.push({
      kind: 'agent',
      id,
      name: shortTitle(unmask(asked, spans, 'inner')),
      sentence: asSentence(asked),
      summary: noun === 'summary',
      fromNotify: true,
    });
  }
  intents.push({ kind: 'notify', message: notifyMessage(text, spans), ...notifyTarget(text, channel) });
  if (channel === undefined && /\b(?:slack|discord|teams|mattermost)\b/i.test(text)) {
    notes.push('no webhook URL was given for the chat service, so the message goes to the chat session; add channel { "webhookUrl": ... } to post there');
  }
  if (/\be-?mail\b/i.test(text)) notes.push('Weft has no email channel; the message is posted to the chat session');
  return { intents, notes };
}

function notifyTarget(text: string, channel: NotifyChannel | undefined): { channel?: NotifyChannel; id?: string; name?: string } {
  if (channel === undefined) return {};
  const service = /\b(slack|discord|teams|mattermost)\b/i.exec(text)?.[1]?.toLowerCase();
  if (service === undefined) return { channel, id: 'post_to_webhook', name: 'Post to webhook' };
  const title = service === 'slack' ? 'Slack' : service === 'discord' ? 'Discord' : service === 'teams' ? 'Teams' : 'Mattermost';
  return { channel, id: `post_to_${service}`, name: `Post to ${title}` };
}

function notifyMessage(text: string, spans: readonly ProtectedSpan[]): NotifyMessage {
  const [quote] = spansIn(text, spans, 'quote');
  if (quote !== undefined && quote.inner.trim() !== '') return { kind: 'text', text: quote.inner, userTemplate: true };
  const plain = unmask(text, spans, 'inner');
  const reminder = /\bremind\s+(?:me|us|everyone)\s+(?:to|about|of)\s+(.+)$/i.exec(plain);
  if (reminder?.[1] !== undefined) return { kind: 'text', text: `Reminder: ${tidy(reminder[1])}`, userTemplate: false };
  const that = /\b(?:that|saying)\s+(.+)$/i.exec(plain);
  if (that?.[1] !== undefined && /^(?:notify|tell|message|ping|alert|let|inform|update|warn|post|send)\b/i.test(plain.trim())) {
    return { kind: 'text', text: asSentence(that[1]), userTemplate: false };
  }
  return { kind: 'auto' };
}

function httpIntent(text: string, url: string): Intent {
  const said = /\b(GET|POST|PUT|PATCH|DELETE|HEAD)\b/.exec(text)?.[1] as HttpMethod | undefined;
  const method: HttpMethod = said ?? (SEND_VERB.test(text) ? 'POST' : 'GET');
  const verb = method === 'GET' ? 'fetch' : method.toLowerCase();
  const id = toStepId(`${verb}_${urlWords(url)}`, verb);
  const title = method === 'GET' ? 'Fetch' : method;
  return { kind: 'http', id, name: shortTitle(`${title} ${url}`), method, url: templateOrLiteral(url), sendPrevious: method !== 'GET' && method !== 'HEAD' };
}

/** The last one or two meaningful path segments, else the host's first label. */
function urlWords(url: string): string {
  const match = /^https?:\/\/(?:[^@/?#]*@)?([^/?#:]+)[^/?#]*([^?#]*)/i.exec(url);
  const host = (match?.[1] ?? '').replace(/^(?:www|api)\./i, '').split('.')[0] ?? '';
  const segments = (match?.[2] ?? '')
    .split('/')
    .map((segment) => segment.replace(/\.[a-z0-9]+$/i, ''))
    .filter((segment) => /^[a-z][a-z0-9_-]*$/i.test(segment) && !/^(?:v\d+|api|rest)$/i.test(segment));
  return segments.length > 0 ? segments.slice(-2).join('_') : host;
}

export function bashFromCommand(command: string): Intent {
  return { kind: 'bash', id: commandId(command), name: shortTitle(`Run ${command}`), command, userTemplate: true };
}

function knownBash(entry: { id: string; name: string; command: string }): Intent {
  return { kind: 'bash', id: entry.id, name: entry.name, command: entry.command, userTemplate: false, known: entry.id };
}

function placeholderBash(said: string): Intent {
  const quoted = said.replace(/'/g, `'\\''`);
  return {
    kind: 'bash',
    id: toStepId(said, 'run_command'),
    name: shortTitle(`${said} (set the command)`),
    command: literalTemplate(`echo 'No command was set for: ${quoted}. Edit this step and set its command.' >&2; exit 1`),
    userTemplate: false,
    placeholder: true,
  };
}

/** `git -C {{item}} pull` -> `git_pull`; `./deploy.sh prod` -> `deploy_prod`; `curl -s https://x.io/health` -> `curl_health`. */
export function commandId(command: string): string {
  const words: string[] = [];
  for (const token of command.replace(/\{\{[\s\S]*?\}\}/g, ' ').split(/\s+/)) {
    if (words.length === 3 || /^[|;&<>]/.test(token)) break;
    if (token === '' || token.startsWith('-') || token.includes('=')) continue;
    const word = /^https?:\/\//i.test(token) ? urlWords(token) : (token.split('/').at(-1) ?? '').replace(/\.[a-z0-9]+$/i, '');
    if (/^[a-z][a-z0-9_-]*$/i.test(word)) words.push(word.toLowerCase());
  }
  return toStepId(words.join('_'), 'run_command');
}
