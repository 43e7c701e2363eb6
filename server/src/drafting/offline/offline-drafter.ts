// The offline provider's drafter: a deterministic, rule-based reading of a
// request into a valid workflow, used when no language model is configured.
// It never pretends: what it did not understand is said in `notes`.

import { allStepIds, flattenSteps, mapChildSteps, replaceStep, type Step, type WorkflowDefinition, type WorkflowInput } from '@weft/shared';
import { validateDefinition } from '../../workflows/validate-definition';
import { buildSteps } from './offline-build';
import type { Intent } from './offline-intents';
import { maskRequest, PREAMBLE, readActions, readRename } from './offline-request';
import { editStepOffline } from './offline-step-edit';
import { draftName, literalTemplate, StepIdAllocator } from './naming';
import { blankRanges, parseDuration, spansIn, splitClauses, unmask, type MaskedText } from './phrase-text';
import type { OfflineTrigger } from './trigger-phrases';

export type { OfflineTrigger };

export interface OfflineDraft {
  definition: WorkflowDefinition;
  trigger?: OfflineTrigger;
  notes: string[];
  /** The parts of the request no step represents (the response's `unhandled`). */
  unhandled: string[];
  /** False when no part of a new request was read: the definition is a placeholder to discard. */
  understood: boolean;
}

export const OFFLINE_DRAFT_NOTE = 'drafted offline by rules: no language model is configured (set ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL for model drafting)';
const FALLBACK_STEP_ID = 'ask_agent';

/**
 * Drafts a workflow from a request without a model: schedules in words, shell
 * commands, agent prompts, approvals, notifications, loops, waits and HTTP
 * requests, combined in the order the request mentions them. With `baseDraft`
 * the request is applied as an edit and unchanged steps stay deep-equal.
 * Deterministic (no clock, no randomness); the definition always validates.
 */
export function draftOffline({ prompt, baseDraft, timezone = 'UTC' }: { prompt: string; baseDraft?: WorkflowDefinition; timezone?: string }): OfflineDraft {
  return baseDraft === undefined ? draftNew(prompt, timezone) : refine(prompt, baseDraft, timezone);
}

type UntriggeredDraft = Omit<OfflineDraft, 'trigger'>;

function withTrigger(draft: UntriggeredDraft, trigger: OfflineTrigger | null): OfflineDraft {
  if (trigger === null) return draft;
  const said = trigger.type === 'schedule' ? `schedule "${trigger.schedule.cron}" (${trigger.schedule.timezone})` : 'webhook';
  return { ...draft, trigger, notes: [...draft.notes, `suggested trigger: ${said}`] };
}

function draftNew(prompt: string, timezone: string): OfflineDraft {
  const request = maskRequest({ prompt, timezone });
  const renamed = readRename(request.text, request.masked.spans);
  const actions = readActions(renamed?.text ?? request.text, request.masked);
  // Named after the first action, with the preamble and the trigger phrases ("every morning") left out.
  const actionText = unmask(renamed?.text ?? request.text, request.masked.spans, 'raw');
  const name = renamed?.name.slice(0, 200) ?? (draftName(actionText) || draftName(prompt.replace(PREAMBLE, '')) || 'Untitled workflow');
  const description = prompt.trim();
  const shell = { name, ...(description === '' ? {} : { description }) };
  const notes = [OFFLINE_DRAFT_NOTE, ...request.notes, ...actions.notes];
  const unhandled = [...new Set([...actions.conditions, ...actions.unread])];

  if (actions.intents.length === 0) return withTrigger(fallback({ prompt, shell, notes, reason: 'no action in the request was recognised' }), request.trigger);
  if (actions.unread.length > 0) notes.push(...actions.unread.map((text) => `not understood offline, left out: "${text}"`));

  for (const escapeUserTemplates of [false, true]) {
    const built = buildSteps(actions.intents, { ids: new StepIdAllocator(), trigger: request.trigger, workflowName: name, escapeUserTemplates });
    const definition = { ...shell, ...(Object.keys(built.inputs).length > 0 ? { inputs: built.inputs } : {}), steps: built.steps };
    const validation = validateDefinition(definition);
    if (validation.ok) {
      const escaped = escapeUserTemplates ? ['`{{ }}` in the request could not be used as templates here, so they are kept as literal text'] : [];
      return withTrigger({ definition: validation.definition, notes: [...notes, ...built.notes, ...escaped], unhandled, understood: true }, request.trigger);
    }
    if (escapeUserTemplates) {
      const first = validation.errors[0];
      return withTrigger(fallback({ prompt, shell, notes, reason: `the drafted steps did not validate (${first?.path}: ${first?.message})` }), request.trigger);
    }
  }
  return withTrigger(fallback({ prompt, shell, notes, reason: 'unreachable' }), request.trigger);
}

/**
 * Nothing in the request was read: a placeholder agent step holding the request (so the answer still
 * validates), marked not understood with the whole request unhandled, so clients offer the template
 * gallery and the JSON editor instead of presenting it as a draft.
 */
function fallback({
  prompt,
  shell,
  notes,
  reason,
}: {
  prompt: string;
  shell: { name: string; description?: string };
  notes: string[];
  reason: string;
}): UntriggeredDraft {
  const step: Step = {
    id: FALLBACK_STEP_ID,
    name: 'Ask the agent',
    type: 'agent_prompt',
    prompt: literalTemplate(prompt.trim()) || 'Describe what this workflow should do.',
  };
  return {
    definition: { ...shell, steps: [step] },
    notes: [...notes, `${reason}, so the draft is one agent step with the request as its prompt; without a model that step answers with an "[offline]" notice`],
    unhandled: [prompt.trim()],
    understood: false,
  };
}

// ---- refining a whole draft -------------------------------------------------

const REMOVE = /\b(?:remove|delete|drop|get\s+rid\s+of)\s+(?:the\s+|all\s+(?:the\s+)?)?(?:step\s+)?(?:\uE000(\d+)\uE001|([a-z][\w-]*))(?:\s+steps?)?/i;
const TYPE_WORDS: Readonly<Record<string, Step['type']>> = {
  approval: 'approval',
  approvals: 'approval',
  approve: 'approval',
  wait: 'wait',
  waits: 'wait',
  delay: 'wait',
  pause: 'wait',
  notify: 'notify',
  notification: 'notify',
  notifications: 'notify',
  message: 'notify',
  post: 'notify',
  command: 'bash',
  bash: 'bash',
  shell: 'bash',
  script: 'bash',
  request: 'http',
  http: 'http',
  fetch: 'http',
  agent: 'agent_prompt',
  prompt: 'agent_prompt',
  agent_prompt: 'agent_prompt',
  loop: 'loop',
  conditional: 'conditional',
  condition: 'conditional',
};
const FIRST = /\b(?:first|at\s+the\s+(?:start|beginning)|before\s+(?:anything|everything)(?:\s+else)?)\b/i;
const INSTEAD =
  /\binstead\b|\b(?:change|replace|switch|swap|update|set)\s+(?:the\s+|its\s+)?(?:command|url|address|endpoint|wait|delay|message|prompt|text|webhook|channel)\b/i;

interface WorkflowEdit {
  readonly definition: WorkflowDefinition;
  readonly text: string;
  readonly notes: string[];
  readonly changed: boolean;
}

/** "Remove the wait step", "delete `notify`". */
function removeSteps(edit: WorkflowEdit, masked: MaskedText): WorkflowEdit {
  const match = REMOVE.exec(edit.text);
  if (match === null) return edit;
  const word = match[1] !== undefined ? (masked.spans[Number(match[1])]?.inner ?? '') : (match[2] ?? '');
  const type = TYPE_WORDS[word.toLowerCase()];
  const doomed = new Set(allStepIds(edit.definition).filter((id) => id === word));
  const last =
    type === undefined
      ? undefined
      : flattenSteps(edit.definition.steps)
          .filter((step) => step.type === type)
          .at(-1);
  if (doomed.size === 0 && last !== undefined) doomed.add(last.id);
  if (doomed.size === 0) return edit;
  const keep = (steps: readonly Step[]): Step[] =>
    steps
      .filter((step) => !doomed.has(step.id))
      .map((step) => {
        if (!flattenSteps([step]).some((inner) => doomed.has(inner.id))) return step;
        return mapChildSteps(step, keep);
      });
  const steps = keep(edit.definition.steps);
  if (steps.length === 0) return { ...edit, notes: [...edit.notes, 'a workflow needs at least one step, so nothing was removed'] };
  return {
    definition: { ...edit.definition, steps },
    text: blankRanges(edit.text, [[match.index, match.index + match[0].length]]),
    notes: [...edit.notes, `removed step ${[...doomed].map((id) => `"${id}"`).join(', ')}`],
    changed: true,
  };
}

/** "Use `ls -la` instead", "wait 5 minutes instead", "change the url to ...": an edit of the last step of that kind. */
function editInPlace(edit: WorkflowEdit, masked: MaskedText): WorkflowEdit {
  const clause = splitClauses(edit.text).find((candidate) => INSTEAD.test(candidate.text));
  if (clause === undefined) return edit;
  const said = clause.text;
  const has = (kind: 'code' | 'url' | 'quote') => spansIn(said, masked.spans, kind).length > 0;
  let type: Step['type'] | null = null;
  if (has('code')) type = 'bash';
  else if (has('url')) type = /\b(?:slack|chat|webhook|post|notify)\b/i.test(said) ? 'notify' : 'http';
  else if (parseDuration(said) !== null && /\b(?:wait|delay|pause|minutes?|hours?|seconds?)\b/i.test(said)) type = 'wait';
  else if (has('quote')) type = /\bprompt\b/i.test(said) ? 'agent_prompt' : 'notify';
  if (type === null) return edit;
  const wanted = type;
  const target = flattenSteps(edit.definition.steps)
    .filter((step) => step.type === wanted)
    .at(-1);
  if (target === undefined) return edit;
  const stepEdit = editStepOffline(target, unmask(said, masked.spans, 'raw'));
  if (!stepEdit.understood) return edit;
  const at = edit.text.indexOf(said);
  return {
    definition: { ...edit.definition, steps: replaceStep(edit.definition.steps, target.id, stepEdit.step) },
    text: at === -1 ? edit.text : blankRanges(edit.text, [[at, at + said.length]]),
    notes: [...edit.notes, ...stepEdit.notes],
    changed: true,
  };
}

function refine(prompt: string, base: WorkflowDefinition, timezone: string): OfflineDraft {
  const request = maskRequest({ prompt, timezone });
  const notes = [OFFLINE_DRAFT_NOTE, ...request.notes];
  let edit: WorkflowEdit = { definition: base, text: request.text, notes: [], changed: false };
  const renamed = readRename(edit.text, request.masked.spans);
  if (renamed !== null) {
    edit = {
      definition: { ...edit.definition, name: renamed.name.slice(0, 200) },
      text: renamed.text,
      notes: [`renamed the workflow to "${renamed.name}"`],
      changed: true,
    };
  }
  edit = editInPlace(removeSteps(edit, request.masked), request.masked);
  const actions = readActions(edit.text, request.masked);
  notes.push(...edit.notes, ...actions.notes, ...actions.unread.map((text) => `not understood offline, left out: "${text}"`));
  const unhandled = [...new Set([...actions.conditions, ...actions.unread])];

  const unchanged = (why: string): OfflineDraft =>
    withTrigger({ definition: base, notes: [...notes, why], unhandled: [prompt.trim()], understood: true }, request.trigger);
  if (actions.intents.length === 0) {
    if (edit.changed) return checked({ candidate: edit.definition, base, notes, unhandled, trigger: request.trigger, prompt });
    return request.trigger === null
      ? unchanged('no change was recognised in the request, so the workflow is unchanged')
      : withTrigger({ definition: base, notes, unhandled, understood: true }, request.trigger);
  }

  const existing = edit.definition.steps.map((step): Intent => ({ kind: 'existing', step }));
  // "Wait 5 minutes first": new steps go before the existing ones (approvals place themselves).
  const first = FIRST.test(edit.text) && actions.intents.every((intent) => intent.kind !== 'approval');
  const intents: Intent[] = first ? [...actions.intents, ...existing] : [...existing, ...actions.intents];
  for (const escapeUserTemplates of [false, true]) {
    const built = buildSteps(intents, {
      ids: new StepIdAllocator(allStepIds(edit.definition)),
      trigger: request.trigger,
      workflowName: edit.definition.name,
      escapeUserTemplates,
      inputNames: Object.keys(edit.definition.inputs ?? {}),
    });
    const inputs: Record<string, WorkflowInput> | undefined =
      Object.keys(built.inputs).length === 0 ? edit.definition.inputs : { ...edit.definition.inputs, ...built.inputs };
    const candidate: WorkflowDefinition = { ...edit.definition, ...(inputs === undefined ? {} : { inputs }), steps: built.steps };
    const validation = validateDefinition(candidate);
    if (validation.ok || escapeUserTemplates)
      return checked({ candidate, base, notes: [...notes, ...built.notes], unhandled, trigger: request.trigger, prompt });
  }
  return unchanged('unreachable');
}

function checked({
  candidate,
  base,
  notes,
  unhandled,
  trigger,
  prompt,
}: {
  candidate: WorkflowDefinition;
  base: WorkflowDefinition;
  notes: string[];
  unhandled: string[];
  trigger: OfflineTrigger | null;
  prompt: string;
}): OfflineDraft {
  const validation = validateDefinition(candidate);
  if (validation.ok) return withTrigger({ definition: validation.definition, notes, unhandled, understood: true }, trigger);
  const first = validation.errors[0];
  return withTrigger(
    {
      definition: base,
      notes: [...notes, `the change would not validate (${first?.path}: ${first?.message}), so the workflow is unchanged`],
      unhandled: [prompt.trim()],
      understood: true,
    },
    trigger,
  );
}
