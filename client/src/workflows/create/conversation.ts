import { countSteps } from '../../lib/definition';
import { diffDefinitions, findStep, type DraftTrigger, type WorkflowDefinition } from '@weft/shared';
import { stepTitle } from '../../diagram/node-data';
import { describeCron } from '../../triggers/cron';

/** What the drafting conversation shows: the prompts, each answer with who drafted it, failures and notes. */
export type DraftedBy = { attempts: number; provider: string; model: string };
export type ChatEntry =
  | { id: number; role: 'user'; text: string; stepTitle?: string }
  | { id: number; role: 'assistant'; text: string; by: DraftedBy; unhandled?: string[] }
  /** The drafter could not read the request at all: offers the templates and the JSON editor instead of a draft. */
  | { id: number; role: 'unread'; text: string; by: DraftedBy }
  | { id: number; role: 'error'; text: string; issues: { path: string; message: string }[]; attempts: number | null }
  | { id: number; role: 'note'; text: string };
/** An entry before it has an id. */
export type NewChatEntry = ChatEntry extends infer E ? (E extends ChatEntry ? Omit<E, 'id'> : never) : never;

function titleIn(definition: unknown, stepId: string): string {
  const found = typeof definition === 'object' && definition !== null ? findStep(definition as WorkflowDefinition, stepId) : null;
  return found === null ? stepId : `“${stepTitle(found.step)}”`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "Changed “Run echo hi”; added “Notify me”." — or that nothing changed. */
export function describeChanges(before: WorkflowDefinition, after: WorkflowDefinition): string {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const moved: string[] = [];
  let fields = 0;
  for (const change of diffDefinitions(before, after)) {
    switch (change.kind) {
      case 'field':
        fields++;
        break;
      case 'step_added':
        added.push(titleIn(after, change.stepId));
        break;
      case 'step_removed':
        removed.push(titleIn(before, change.stepId));
        break;
      case 'step_changed':
        changed.push(titleIn(after, change.stepId));
        break;
      case 'step_moved':
        if (!changed.includes(titleIn(after, change.stepId))) moved.push(titleIn(after, change.stepId));
        break;
      default: {
        const unexpected: never = change;
        return String(unexpected);
      }
    }
  }
  const parts = [
    changed.length > 0 ? `changed ${list(changed)}` : '',
    added.length > 0 ? `added ${list(added)}` : '',
    removed.length > 0 ? `removed ${list(removed)}` : '',
    moved.length > 0 ? `moved ${list(moved)}` : '',
    fields > 0 ? `updated the ${fields === 1 ? 'name or settings' : 'workflow settings'}` : '',
  ].filter(Boolean);
  if (parts.length === 0) return 'Nothing changed. Try describing the change another way.';
  const text = parts.join('; ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

export function describeSuggestion(trigger: DraftTrigger | undefined): string | null {
  if (trigger === undefined) return null;
  switch (trigger.type) {
    case 'schedule': {
      const words = describeCron(trigger.schedule.cron);
      return `on a schedule: ${words.ok ? words.text : trigger.schedule.cron}`;
    }
    case 'webhook':
      return 'when a webhook is called';
    case 'manual':
      return 'when you start it';
    default: {
      const unexpected: never = trigger;
      return String(unexpected);
    }
  }
}

export function providerLabel(by: DraftedBy): string {
  return by.provider === 'offline' ? 'Offline drafter' : by.model === by.provider ? by.provider : `${by.provider} · ${by.model}`;
}

export function attemptsLabel(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

const stepsLabel = (count: number) => (count === 1 ? '1 step' : `${count} steps`);

/**
 * The reply to a new draft. It says "Drafted" only when nothing was left out; otherwise it says the
 * draft covers part of the request (the parts left out are listed under it).
 */
export function draftReply({
  definition,
  trigger,
  unhandled,
}: {
  definition: WorkflowDefinition;
  trigger?: DraftTrigger;
  unhandled: readonly string[];
}): string {
  const when = describeSuggestion(trigger);
  const suggests = when ? ` It suggests running ${when}.` : '';
  const steps = stepsLabel(countSteps(definition.steps));
  if (unhandled.length === 0) return `Drafted “${definition.name}” with ${steps}.${suggests}`;
  return `Drafted part of the request as “${definition.name}” (${steps}); the rest is listed below and needs a step you add.${suggests}`;
}

/** The reply to a change: what changed, or, when the drafter could not apply it, that nothing did and why. */
export function changeReply({
  before,
  after,
  unhandled,
  stepTitle: title,
}: {
  before: WorkflowDefinition;
  after: WorkflowDefinition;
  unhandled: readonly string[];
  stepTitle?: string;
}): string {
  const changes = describeChanges(before, after);
  const nothing = diffDefinitions(before, after).length === 0;
  if (nothing && unhandled.length > 0)
    return `I could not apply this${title ? ` to ${title}` : ''} as asked, so ${title ? 'the step is' : 'the workflow is'} unchanged. Try other words, or edit the JSON.`;
  return unhandled.length > 0 ? `${changes.slice(0, -1)}; part of the request is not in the draft (below).` : changes;
}
