// Reads "when should this run" out of a request: schedules said in words
// (turned into 5-field cron), webhooks, and an optional IANA timezone.

import { NUMBER_WORD_SOURCE, PLACEHOLDER_SOURCE, readNumber } from './phrase-text';

export type OfflineTrigger = { type: 'schedule'; schedule: { cron: string; timezone: string } } | { type: 'webhook' };

export interface TriggerPhrases {
  readonly trigger: OfflineTrigger | null;
  /** Ranges of the text that said it, to blank before reading the actions. */
  readonly ranges: [number, number][];
  readonly notes: string[];
}

type Range = [number, number];
interface Token<T> {
  readonly value: T;
  readonly range: Range;
}

function tokens<T>(text: string, pattern: RegExp, read: (match: RegExpExecArray) => T | null): Token<T>[] {
  const out: Token<T>[] = [];
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let match = global.exec(text); match !== null; match = global.exec(text)) {
    if (match[0] === '') {
      global.lastIndex++;
      continue;
    }
    const value = read(match);
    if (value !== null) out.push({ value, range: [match.index, match.index + match[0].length] });
  }
  return out;
}

const overlaps = (a: Range, b: Range): boolean => a[0] < b[1] && b[0] < a[1];

// ---- days -------------------------------------------------------------------

const DAY = '(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs?(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)s?';
const FULL_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s';
const DAY_NUMBERS: Readonly<Record<string, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const DAY_LIST_PATTERN = new RegExp(`\\b(?:every|each|on)\\s+(?:other\\s+)?(${DAY}(?:\\s*(?:,|and|&|or|/)\\s*(?:on\\s+)?${DAY})*)\\b`, 'i');
const PLURAL_DAY_LIST_PATTERN = new RegExp(`\\b(${FULL_DAY}(?:\\s*(?:,|and|&|or)\\s*${FULL_DAY})*)\\b`, 'i');
const DAY_RANGE_PATTERN = new RegExp(`\\b(?:(?:every|each|on)\\s+)?(?:from\\s+)?(${DAY})\\s*(?:-|\u2013|to|through|thru|until)\\s*(${DAY})\\b`, 'i');

function dayNumbers(list: string): number[] {
  const days = list
    .toLowerCase()
    .split(/[^a-z]+/)
    .map((word) => DAY_NUMBERS[word.slice(0, 3)])
    .filter((day): day is number => day !== undefined);
  return [...new Set(days)].sort((a, b) => a - b);
}

function dayRange(from: string, to: string): number[] | null {
  const [start] = dayNumbers(from);
  const [end] = dayNumbers(to);
  if (start === undefined || end === undefined || end < start) return null;
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}

// ---- times ------------------------------------------------------------------

interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
  /** An hour alone ("at 9") only counts next to a recurrence. */
  readonly standalone: boolean;
}

const NAMED_TIME = /\bat\s+(noon|midday|midnight)\b/i;
const BARE_NAMED_TIME = /\b(noon|midday|midnight)\b/i;
const AT_TIME = /\b(?:at|@)\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(a\.?m\.?|p\.?m\.?|o'?clock|hrs)?(?![\w:])/i;
const MERIDIEM_TIME = /\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?!\w)/i;
const CLOCK_TIME = /\b(\d{1,2}):(\d{2})\b/i;
/** Words that make a following time a deadline or a delay, not a schedule. */
const NOT_A_SCHEDULE_BEFORE = /\b(?:until|till|til|by|before|after|for|in|within)\s*$/i;

function clock(hourText: string | undefined, minuteText: string | undefined, suffix: string | undefined): { hour: number; minute: number } | null {
  let hour = Number(hourText);
  const minute = minuteText === undefined ? 0 : Number(minuteText);
  if (!Number.isInteger(hour) || minute > 59) return null;
  const meridiem = suffix?.toLowerCase().replace(/\./g, '');
  if (meridiem === 'am' || meridiem === 'pm') {
    if (hour < 1 || hour > 12) return null;
    if (meridiem === 'am' && hour === 12) hour = 0;
    if (meridiem === 'pm' && hour !== 12) hour += 12;
  }
  return hour <= 23 ? { hour, minute } : null;
}

function namedTime(word: string | undefined): TimeOfDay {
  return word?.toLowerCase() === 'midnight' ? { hour: 0, minute: 0, standalone: true } : { hour: 12, minute: 0, standalone: true };
}

function timeTokens(text: string): Token<TimeOfDay>[] {
  const found: Token<TimeOfDay>[] = [];
  const add = (candidates: Token<TimeOfDay>[]) => {
    for (const candidate of candidates) {
      if (found.some((token) => overlaps(token.range, candidate.range))) continue;
      if (NOT_A_SCHEDULE_BEFORE.test(text.slice(0, candidate.range[0]))) continue;
      found.push(candidate);
    }
  };
  add(tokens(text, NAMED_TIME, (m) => namedTime(m[1])));
  add(
    tokens(text, AT_TIME, (m) => {
      const time = clock(m[1], m[2], m[3]);
      return time === null ? null : { ...time, standalone: m[2] !== undefined || /[ap]/i.test(m[3] ?? '') };
    }),
  );
  add(tokens(text, MERIDIEM_TIME, (m) => (clock(m[1], m[2], m[3]) === null ? null : { ...clock(m[1], m[2], m[3])!, standalone: true })));
  add(tokens(text, CLOCK_TIME, (m) => (clock(m[1], m[2], undefined) === null ? null : { ...clock(m[1], m[2], undefined)!, standalone: false })));
  add(tokens(text, BARE_NAMED_TIME, (m) => ({ ...namedTime(m[1]), standalone: false })));
  return found.sort((a, b) => a.range[0] - b.range[0]);
}

// ---- recurrences ------------------------------------------------------------

const NUMBER = `(${NUMBER_WORD_SOURCE})`;
/** "weekly report", "daily digest": the word describes a thing, not when to run. */
const ADJECTIVE_USE = String.raw`(?!\s+(?:reports?|summar(?:y|ies)|digests?|updates?|meetings?|reviews?|newsletters?|recaps?|status|backups?|emails?|checks?|syncs?|overviews?|stats|metrics|plans?|releases?|standups?|notes?|invoices?|builds?|jobs?|tasks?|logs?))`;
const MINUTES = new RegExp(`\\bevery\\s+(?:${NUMBER}\\s+)?min(?:ute)?s?\\b`, 'i');
const HALF_HOUR = /\bevery\s+(half|quarter)\s+(?:(?:of\s+)?an\s+)?hour\b/i;
const SECONDS = new RegExp(`\\bevery\\s+(?:${NUMBER}\\s+)?sec(?:ond)?s?\\b`, 'i');
const HOURS = new RegExp(`\\bevery\\s+(?:${NUMBER}\\s+)?(?:hours?|hrs?)\\b|\\bhourly\\b${ADJECTIVE_USE}|\\b(?:each|once\\s+an?)\\s+hour\\b`, 'i');
const EVERY_N_DAYS = new RegExp(`\\bevery\\s+(?:${NUMBER}|(other))\\s+days?\\b`, 'i');
const DAILY = new RegExp(`\\b(?:every|each)\\s+day\\b(?!'s)|\\bdaily\\b${ADJECTIVE_USE}|\\bonce\\s+a\\s+day\\b`, 'i');
const PART_OF_DAY = new RegExp(`\\b(?:every|each)\\s+(morning|afternoon|evening|night)\\b|\\b(nightly)\\b${ADJECTIVE_USE}`, 'i');
const PART_OF_DAY_TIME = /\b(?:in\s+the|this)\s+(morning|afternoon|evening)\b|\bat\s+(night)\b/i;
const WEEKDAYS = /\b(?:(?:every|each|on)\s+)?(?:week\s?days|working\s+days?|business\s+days?)\b|\b(?:every|each)\s+week\s?day\b/i;
const WEEKENDS = /\b(?:every|each|on|at)\s+(?:the\s+)?weekends?\b|\bweekends\b/i;
const WEEKLY = new RegExp(`\\bweekly\\b${ADJECTIVE_USE}|\\b(?:every|each|once\\s+a)\\s+week\\b`, 'i');
const MONTHLY = new RegExp(`\\bmonthly\\b${ADJECTIVE_USE}|\\b(?:every|each|once\\s+a)\\s+month\\b`, 'i');
const ORDINALS: Readonly<Record<string, number>> = { first: 1, second: 2, third: 3, fourth: 4, fifth: 5, tenth: 10, fifteenth: 15, twentieth: 20 };
const DAY_OF_MONTH =
  /\b(?:on\s+)?the\s+(\d{1,2}|first|second|third|fourth|fifth|tenth|fifteenth|twentieth)(?:st|nd|rd|th)?(?:\s+day)?(\s+of\s+(?:every|each|the|a)\s+month)?\b/i;

const PART_HOURS: Readonly<Record<string, number>> = { morning: 9, afternoon: 14, evening: 18, night: 0, nightly: 0 };

const TIMEZONE =
  /\b(?:in\s+)?((?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z_]+(?:\/[A-Za-z_]+)?)(?:\s+time(?:zone)?)?|\b(?:in\s+)?(UTC|GMT)(?:\s+time)?\b/;

const WEBHOOK = new RegExp(
  [
    String.raw`\b(?:when(?:ever)?|each\s+time|every\s+time|once|as\s+soon\s+as|if)\s+(?:a|an|the)?\s*(?:new\s+|incoming\s+)?(?:webhook(?:\s+call)?|http\s+(?:request|call|post)|post\s+request|request)\s+(?:arrives|is\s+received|comes\s+in|is\s+called|fires|hits|is\s+triggered|is\s+made|lands)\b`,
    String.raw`\b(?:on|via|through)\s+(?:a|an|the)?\s*(?:incoming\s+)?webhooks?\b`,
    String.raw`\bwhen\s+(?:it\s+is\s+|it's\s+|this\s+is\s+)?called\s+(?:by|via|over|through|with)\s+(?:http|https|a\s+webhook|webhook|an?\s+http\s+request)\b`,
    String.raw`\b(?:triggered|called|started|invoked|run)\s+(?:by|via|from|through)\s+(?:a|an)?\s*(?:webhook|http(?:\s+request)?)\b`,
    String.raw`\bwebhook[- ]triggered\b`,
  ].join('|'),
  'i',
);
const FOLLOWED_BY_URL = new RegExp(`^\\s*(?:at\\s+|to\\s+)?${PLACEHOLDER_SOURCE}`);

// ---- assembling -------------------------------------------------------------

interface Schedule {
  readonly cron: string;
  readonly ranges: Range[];
  readonly notes: string[];
}

function cronFromWords(text: string): Schedule | null {
  const used: Range[] = [];
  const notes: string[] = [];
  const take = <T>(found: Token<T>[]): Token<T>[] => {
    for (const token of found) used.push(token.range);
    return found;
  };
  const first = <T>(pattern: RegExp, read: (m: RegExpExecArray) => T | null): Token<T> | undefined => tokens(text, pattern, read)[0];

  const seconds = first(SECONDS, (m) => readNumber(m[1]) ?? 1);
  const minutes = first(MINUTES, (m) => readNumber(m[1]) ?? 1) ?? first(HALF_HOUR, (m) => (m[1]?.toLowerCase() === 'half' ? 30 : 15));
  const hours = first(HOURS, (m) => readNumber(m[1]) ?? 1);
  const everyNDays = first(EVERY_N_DAYS, (m) => (m[2] !== undefined ? 2 : readNumber(m[1])));
  const daily = first(DAILY, () => true);
  const partOfDay = first(PART_OF_DAY, (m) => PART_HOURS[(m[1] ?? m[2] ?? '').toLowerCase()] ?? null);
  const partOfDayTime = first(PART_OF_DAY_TIME, (m) => PART_HOURS[(m[1] ?? m[2] ?? '').toLowerCase()] ?? null);
  const weekdays = first(WEEKDAYS, () => [1, 2, 3, 4, 5]);
  const weekends = first(WEEKENDS, () => [0, 6]);
  const dayRangeToken = first(DAY_RANGE_PATTERN, (m) => dayRange(m[1] ?? '', m[2] ?? ''));
  const dayList = first(DAY_LIST_PATTERN, (m) => dayNumbers(m[1] ?? '')) ?? first(PLURAL_DAY_LIST_PATTERN, (m) => dayNumbers(m[1] ?? ''));
  const weekly = first(WEEKLY, () => true);
  const monthly = first(MONTHLY, () => true);
  const dayOfMonth = first(DAY_OF_MONTH, (m) => {
    const day = ORDINALS[(m[1] ?? '').toLowerCase()] ?? Number(m[1]);
    if (!(day >= 1 && day <= 31)) return null;
    return { day, monthSaid: m[2] !== undefined };
  });
  const times = timeTokens(text);

  const monthContext = monthly !== undefined || dayOfMonth?.value.monthSaid === true;
  const days = dayRangeToken ?? weekdays ?? weekends ?? dayList;
  const recurring = minutes ?? hours ?? everyNDays ?? daily ?? partOfDay ?? days ?? weekly ?? (monthContext ? (monthly ?? dayOfMonth) : undefined);

  if (seconds !== undefined && minutes === undefined && hours === undefined) {
    return { cron: '', ranges: [seconds.range], notes: ['cron schedules run at most once a minute, so "every … seconds" was not turned into a schedule'] };
  }
  const standaloneTimes = times.filter((token) => token.value.standalone);
  if (recurring === undefined && standaloneTimes.length === 0) return null;

  const dow = days === undefined ? (weekly !== undefined ? '1' : '*') : take([days])[0]!.value.join(',');
  const dowField = dow === '1,2,3,4,5' ? '1-5' : dow;

  if (minutes !== undefined) {
    take([minutes]);
    const n = minutes.value;
    if (Number.isInteger(n) && n >= 60 && n % 60 === 0 && n / 60 <= 23)
      return { cron: `0 */${n / 60} * * ${dowField}`.replace('*/1 ', '* '), ranges: used, notes };
    if (!Number.isInteger(n) || n < 1 || n > 59) {
      return { cron: '', ranges: used, notes: [`"every ${n} minutes" cannot be written as a cron schedule; no schedule was set`] };
    }
    if (60 % n !== 0) notes.push(`cron restarts "every ${n} minutes" at each full hour`);
    return { cron: `${n === 1 ? '*' : `*/${n}`} * * * ${dowField}`, ranges: used, notes };
  }
  if (hours !== undefined) {
    take([hours]);
    const n = hours.value;
    if (n === 24) return { cron: `0 0 * * ${dowField}`, ranges: used, notes };
    if (!Number.isInteger(n) || n < 1 || n > 23) {
      return { cron: '', ranges: used, notes: [`"every ${n} hours" cannot be written as a cron schedule; no schedule was set`] };
    }
    return { cron: `0 ${n === 1 ? '*' : `*/${n}`} * * ${dowField}`, ranges: used, notes };
  }

  // A time of day: said explicitly, or implied by "every morning" and friends.
  let hourField: string;
  let minuteField: string;
  const explicit = recurring === undefined ? standaloneTimes : times;
  if (explicit.length > 0) {
    take(explicit);
    const [firstTime] = explicit;
    const sameMinute = explicit.every((token) => token.value.minute === firstTime!.value.minute);
    if (!sameMinute) notes.push('several times with different minutes were given; the schedule uses the first one');
    const hoursSaid = sameMinute ? [...new Set(explicit.map((token) => token.value.hour))].sort((a, b) => a - b) : [firstTime!.value.hour];
    hourField = hoursSaid.join(',');
    minuteField = String(firstTime!.value.minute);
  } else {
    const part = partOfDay ?? partOfDayTime;
    if (part !== undefined) take([part]);
    hourField = String(part?.value ?? 9);
    minuteField = '0';
    if (part === undefined && (daily !== undefined || days !== undefined || everyNDays !== undefined))
      notes.push('no time of day was given; the schedule runs at 9:00');
  }
  if (partOfDay !== undefined) take([partOfDay]);
  if (partOfDayTime !== undefined && explicit.length === 0) take([partOfDayTime]);
  if (daily !== undefined) take([daily]);
  if (weekly !== undefined) take([weekly]);
  if (recurring === undefined) notes.push('only a time of day was given; the schedule runs every day at that time');

  let domField = '*';
  if (monthContext) {
    if (monthly !== undefined) take([monthly]);
    if (dayOfMonth !== undefined) take([dayOfMonth]);
    domField = String(dayOfMonth?.value.day ?? 1);
  } else if (everyNDays !== undefined) {
    take([everyNDays]);
    const n = everyNDays.value;
    domField = n === 1 ? '*' : `*/${n}`;
    if (n > 1) notes.push(`"every ${n} days" counts days of the month, so it restarts on the 1st`);
  }
  return { cron: `${minuteField} ${hourField} ${domField} * ${dowField}`, ranges: used, notes };
}

/** Reads the trigger a request asks for. The text is masked (see `maskText`). */
export function readTriggerPhrases({ text, timezone }: { text: string; timezone: string }): TriggerPhrases {
  const schedule = cronFromWords(text);
  const webhook = tokens(text, WEBHOOK, (m) => (FOLLOWED_BY_URL.test(text.slice(m.index + m[0].length)) ? null : true))[0];
  const notes = [...(schedule?.notes ?? [])];
  const ranges: Range[] = [...(schedule?.ranges ?? [])];
  if (webhook !== undefined) ranges.push(webhook.range);
  if (schedule !== null && schedule.cron !== '') {
    if (webhook !== undefined) notes.push('both a schedule and a webhook were mentioned; the suggested trigger is the schedule');
    const zone = tokens(text, TIMEZONE, (m) => m[1] ?? (m[2] === undefined ? null : 'UTC'))[0];
    if (zone !== undefined) ranges.push(zone.range);
    return { trigger: { type: 'schedule', schedule: { cron: schedule.cron, timezone: zone?.value ?? timezone } }, ranges, notes };
  }
  return { trigger: webhook === undefined ? null : { type: 'webhook' }, ranges, notes };
}
