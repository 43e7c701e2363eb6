// Deterministic edits of one step from a short request ("use `ls -la`
// instead", "wait 5 minutes instead", "rename to Check disk").

import {
  AGENT_PROMPT_MAX_TIMEOUT_SECONDS,
  excerpt,
  findStep,
  replaceStep,
  tryParseExpression,
  type HttpMethod,
  type Step,
  type WorkflowDefinition,
} from '@weft/shared';
import { validateDefinition } from '../../workflows/validate-definition';
import { isoInstant, looseCommand } from './offline-intents';
import { literalTemplate, shortTitle, templateOrLiteral } from './naming';
import { asSentence, durationLabel, maskText, NUMBER_WORD_SOURCE, parseDuration, readNumber, spansIn, tidy, unmask, type MaskedText } from './phrase-text';
import { checkStepScopedEdit } from '../step-scope';

/** `unhandled`: the request, when the step was left unchanged because it could not be applied as asked. */
export type OfflineStepDraft =
  | { ok: true; definition: WorkflowDefinition; notes: string[]; unhandled: string[] }
  | { ok: false; definition: WorkflowDefinition; notes: string[]; error: { path: string; message: string } };

export interface StepEdit {
  readonly step: Step;
  readonly notes: string[];
  /** False when no rule understood the request (the step may still have changed conservatively). */
  readonly understood: boolean;
}

const RENAME =
  /\b(?:rename(?:\s+(?:it|this|the\s+step))?|call\s+(?:it|this|the\s+step)|name\s+(?:it|this|the\s+step)|title\s+(?:it|this))\s+(?:to\s+|as\s+)?([^;\n]+)/i;
const RETRY = new RegExp(`\\bretr(?:y|ies)\\s+(?:it\\s+)?(?:up\\s+to\\s+)?(${NUMBER_WORD_SOURCE})\\s+times?\\b|\\b(${NUMBER_WORD_SOURCE})\\s+retries\\b`, 'i');
const NO_RETRY = /\b(?:no|without|don'?t|do\s+not|never)\s+retr(?:y|ies)\b/i;
const TIMEOUT = /\b(?:time\s*out|timeout)\s+(?:of\s+|after\s+|to\s+|at\s+)?/i;
const ONLY_IF = /\bonly\s+(?:run\s+)?(?:if|when)\b/i;
const MENTION = /\b(?:mention|include|add|cover|say)\s+(?:that\s+)?(.+)$/i;
const REPLACE_CUE = /\b(?:instead|change|replace|switch|swap|use|set|make|update|should\s+be)\b/i;
const APPEND_CUE = /\b(?:append|add)\b/i;
const METHOD = /\b(GET|POST|PUT|PATCH|DELETE|HEAD)\b/i;

function quoted(masked: MaskedText, text = masked.text): string | undefined {
  return spansIn(text, masked.spans, 'quote')[0]?.inner;
}

/** Applies a request to one step; never touches anything else. */
export function editStepOffline(step: Step, prompt: string): StepEdit {
  const masked = maskText(prompt);
  const notes: string[] = [];
  let next: Step = { ...step };
  let understood = false;
  const said = (note: string) => {
    notes.push(note);
    understood = true;
  };

  // What every step has: name, retries, timeout, run condition.
  const rename = RENAME.exec(masked.text);
  let text = masked.text;
  if (rename?.[1] !== undefined) {
    const name = shortTitle(tidy(unmask(rename[1], masked.spans, 'inner')).replace(/^["'\u201c]|["'\u201d]$/g, ''), 200);
    if (name !== '') {
      next.name = name;
      said(`renamed step "${step.id}" to "${name}"`);
      text = text.slice(0, rename.index) + text.slice(rename.index + rename[0].length);
    }
  }
  if (NO_RETRY.test(text)) {
    delete next.retry;
    said(`step "${step.id}" no longer retries`);
  } else {
    const retry = RETRY.exec(text);
    const count = readNumber(retry?.[1] ?? retry?.[2]);
    if (count !== null && Number.isInteger(count)) {
      const maxAttempts = Math.min(10, Math.max(1, count + 1));
      next.retry = { ...next.retry, maxAttempts };
      said(`step "${step.id}" now tries up to ${maxAttempts} times`);
    }
  }
  const timeout = TIMEOUT.exec(text);
  if (timeout !== null) {
    const duration = parseDuration(text.slice(timeout.index));
    if (duration !== null) {
      let seconds = duration.seconds;
      if (step.type === 'agent_prompt' && seconds > AGENT_PROMPT_MAX_TIMEOUT_SECONDS) {
        seconds = AGENT_PROMPT_MAX_TIMEOUT_SECONDS;
        notes.push(`agent steps time out after at most ${AGENT_PROMPT_MAX_TIMEOUT_SECONDS} seconds`);
      }
      next.timeoutSeconds = seconds;
      said(`step "${step.id}" now times out after ${seconds} seconds`);
      text = text.slice(0, timeout.index) + ' '.repeat(duration.index + duration.length) + text.slice(timeout.index + duration.index + duration.length);
    }
  }
  const [code] = spansIn(text, masked.spans, 'code');
  if (ONLY_IF.test(text) && code !== undefined && tryParseExpression(code.inner).ok) {
    next.if = code.inner;
    said(`step "${step.id}" now runs only if ${code.inner}`);
    return { step: next, notes, understood };
  }

  const typed = editByType(next, { masked, text });
  next = typed.step;
  notes.push(...typed.notes);
  understood ||= typed.understood;
  // Never paste the request into the step: a refine no rule reads leaves the step as it was.
  if (!understood)
    return { step, notes: [`the request was not recognised as an edit of step "${step.id}" (a ${step.type} step); it was left unchanged`], understood };
  return { step: next, notes, understood };
}

function editByType(step: Step, { masked, text: said }: { masked: MaskedText; text: string }): StepEdit {
  let text = said;
  const notes: string[] = [];
  const [code] = spansIn(text, masked.spans, 'code');
  const [url] = spansIn(text, masked.spans, 'url');
  const quote = quoted(masked, text);
  const done = (next: Step, note: string): StepEdit => ({ step: next, notes: [...notes, note], understood: true });
  switch (step.type) {
    case 'bash': {
      const written = code?.inner ?? looseCommand(unmask(text, masked.spans, 'inner'));
      if (written === null || written === undefined) break;
      const command = APPEND_CUE.test(text) && !REPLACE_CUE.test(text) ? `${step.command} ${written}` : written;
      const next = { ...step, command: templateOrLiteral(command) };
      if (step.name === shortTitle(`Run ${step.command}`)) next.name = shortTitle(`Run ${command}`);
      return done(next, `step "${step.id}" now runs \`${command}\``);
    }
    case 'agent_prompt': {
      if (quote !== undefined && /\bprompt\b/i.test(text) && REPLACE_CUE.test(text))
        return done({ ...step, prompt: templateOrLiteral(quote) }, `replaced the prompt of step "${step.id}"`);
      const model = /\b(?:use|with)\s+(?:the\s+)?model\s+(\S+)/i.exec(unmask(text, masked.spans, 'inner'))?.[1];
      if (model !== undefined) return done({ ...step, model: tidy(model) }, `step "${step.id}" now uses model ${tidy(model)}`);
      const mention = MENTION.exec(unmask(text, masked.spans, 'raw'));
      if (mention?.[1] !== undefined)
        return done(
          { ...step, prompt: `${step.prompt}\n\nAlso mention ${literalTemplate(tidy(mention[1]))}.` },
          `the prompt of step "${step.id}" now also asks to mention ${tidy(mention[1])}`,
        );
      break;
    }
    case 'notify':
    case 'approval': {
      if (step.type === 'notify' && url !== undefined)
        return done({ ...step, channel: { webhookUrl: url.inner } }, `step "${step.id}" now posts to ${url.inner}`);
      if (step.type === 'notify' && /\b(?:to|in)\s+(?:the\s+)?(?:chat|session)\b/i.test(text) && step.channel !== undefined) {
        const { channel: _dropped, ...rest } = step;
        return done(rest, `step "${step.id}" now posts to the chat session`);
      }
      if (step.type === 'approval') {
        const policy = approvalPolicy(step, text);
        if (policy !== null) return done(policy.step, policy.note);
      }
      if (quote !== undefined) return done({ ...step, message: templateOrLiteral(quote) }, `replaced the message of step "${step.id}"`);
      const mention = MENTION.exec(unmask(text, masked.spans, 'raw'));
      if (mention?.[1] !== undefined)
        return done(
          { ...step, message: `${step.message}\n\n${literalTemplate(asSentence(mention[1]))}` },
          `the message of step "${step.id}" now also says ${tidy(mention[1])}`,
        );
      break;
    }
    case 'wait': {
      const [datetime] = spansIn(text, masked.spans, 'datetime');
      const until = datetime === undefined ? null : isoInstant(datetime.inner);
      if (until !== null) {
        const { seconds: _seconds, ...rest } = step;
        return done({ ...rest, until: until.iso }, `step "${step.id}" now waits until ${until.iso}`);
      }
      const duration = parseDuration(text);
      if (duration === null) break;
      const { until: _until, ...rest } = step;
      const next = { ...rest, seconds: duration.seconds };
      if (next.timeoutSeconds !== undefined && next.timeoutSeconds < duration.seconds) {
        delete next.timeoutSeconds;
        notes.push(`removed the step's ${step.timeoutSeconds}-second timeout, shorter than the new wait`);
      }
      if (step.seconds !== undefined && step.name === `Wait ${durationLabel(step.seconds)}`) next.name = `Wait ${duration.label}`;
      return done(next, `step "${step.id}" now waits ${duration.label}`);
    }
    case 'http': {
      const method = METHOD.exec(text)?.[1]?.toUpperCase() as HttpMethod | undefined;
      if (url === undefined && method === undefined) break;
      const next = { ...step, ...(url === undefined ? {} : { url: templateOrLiteral(url.inner) }), ...(method === undefined ? {} : { method }) };
      return done(next, `step "${step.id}" now sends ${next.method} ${excerpt(next.url, 60)}`);
    }
    case 'loop': {
      text = text.replace(/\s*\binstead\b/gi, '');
      const list = /\b(?:over|for|through|items?|to)\b\s*:?\s*(.+)$/i.exec(text)?.[1];
      const [listSpan] = spansIn(text, masked.spans, 'list');
      const items =
        listSpan !== undefined
          ? parseList(listSpan.inner)
          : list !== undefined && /,|\band\b/.test(list)
            ? parseList(unmask(list, masked.spans, 'inner'))
            : null;
      if (items !== null) return done({ ...step, over: items }, `step "${step.id}" now loops over ${items.length} items`);
      if (code !== undefined && tryParseExpression(code.inner).ok) return done({ ...step, over: code.inner }, `step "${step.id}" now loops over ${code.inner}`);
      const most = /\bat\s+most\s+(\d+)\b/i.exec(text)?.[1];
      if (most !== undefined && Number(most) >= 1)
        return done({ ...step, maxIterations: Math.min(10_000, Number(most)) }, `step "${step.id}" now stops after ${most} iterations`);
      break;
    }
    case 'conditional':
      if (code !== undefined && tryParseExpression(code.inner).ok)
        return done({ ...step, condition: code.inner }, `step "${step.id}" now checks ${code.inner}`);
      break;
    case 'tool':
      break;
    default: {
      const unexpected: never = step;
      return unexpected;
    }
  }
  return { step, notes, understood: false };
}

function approvalPolicy(step: Extract<Step, { type: 'approval' }>, text: string): { step: Step; note: string } | null {
  if (
    /\b(?:continue|carry\s+on|keep\s+going|don'?t\s+fail)\b[^.]*\b(?:deni(?:ed|al)|reject(?:ed)?)|\b(?:deni(?:ed|al)|reject(?:ed)?)\b[^.]*\b(?:continue|carry\s+on)\b/i.test(
      text,
    )
  ) {
    return { step: { ...step, onDeny: 'continue' }, note: `a denial of step "${step.id}" now lets the run continue` };
  }
  if (/\bauto[- ]?approve|\bapprove\s+(?:it\s+)?automatically|\bapprove\b[^.]*\b(?:no\s*one|nobody)\b/i.test(text)) {
    return { step: { ...step, onTimeout: 'approve' }, note: `step "${step.id}" now approves itself when nobody decides in time` };
  }
  const approvers = /\b(?:approvers?|only)\s+(?:are\s+|is\s+|:\s*)?([\w@.-]+(?:\s*(?:,|and)\s*[\w@.-]+)*)\s*(?:can\s+approve)?/i.exec(text);
  if (approvers?.[1] !== undefined && /\bapprov/i.test(text)) {
    const names = approvers[1].split(/\s*(?:,|\band\b)\s*/).filter((name) => name !== '' && !/^(?:can|may)$/i.test(name));
    if (names.length > 0) return { step: { ...step, approvers: { users: names } }, note: `step "${step.id}" can now be decided by ${names.join(', ')}` };
  }
  return null;
}

function parseList(text: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(`[${text}]`);
    if (Array.isArray(parsed) && parsed.length > 0) return parsed;
  } catch {
    // a plain list
  }
  const items = text
    .split(/\s*(?:,|\band\b)\s*/)
    .map((item) => item.trim().replace(/^['"]|['"]$/g, ''))
    .filter((item) => item !== '');
  return items.length > 0 ? items : null;
}

/**
 * Edits only step `stepId` of `definition`. The result always validates and
 * differs from the input in that step alone; an unknown id is an error result
 * (with the definition unchanged) for the caller to report.
 */
export function draftOfflineStep({ definition, stepId, prompt }: { definition: WorkflowDefinition; stepId: string; prompt: string }): OfflineStepDraft {
  const found = findStep(definition, stepId);
  if (found === null) {
    return { ok: false, definition, notes: [], error: { path: '', message: `there is no step "${stepId}" in this workflow` } };
  }
  const edit = editStepOffline(found.step, prompt);
  if (!edit.understood) return { ok: true, definition, notes: edit.notes, unhandled: [prompt.trim()] };
  const candidate: WorkflowDefinition = { ...definition, steps: replaceStep(definition.steps, stepId, edit.step) };
  const validation = validateDefinition(candidate);
  const scope = validation.ok ? checkStepScopedEdit(definition, validation.definition, stepId) : null;
  if (!validation.ok || scope === null || !scope.ok) {
    const first = !validation.ok ? validation.errors[0] : scope !== null && !scope.ok ? scope.errors[0] : undefined;
    return {
      ok: true,
      definition,
      notes: [
        ...edit.notes,
        `the edit would not be valid (${first?.path ?? ''}: ${first?.message ?? 'unknown problem'}), so step "${stepId}" was left unchanged`,
      ],
      unhandled: [prompt.trim()],
    };
  }
  return { ok: true, definition: candidate, notes: ['edited offline by rules (no language model is configured)', ...edit.notes], unhandled: [] };
}
