import './step-cards.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { WorkflowResponse, type MessagePart, type WorkflowTriggerRequest } from '@weft/shared';
import { type MouseEvent, useId, useRef, useState, useSyncExternalStore } from 'react';
import { flushSync } from 'react-dom';
import { Link, useNavigate } from 'react-router';
import { request } from '../api/http';
import { workflowKeys } from '../api/workflows';
import { describeError } from '../components/Panels';
import { WorkflowDiagram } from '../diagram/WorkflowDiagram';
import { countSteps, definitionDescription, definitionName, parseDefinition } from '../lib/definition';
import { useGate } from '../auth/Gate';
import { describeCron } from '../triggers/cron';
import { DraftStepsReview } from './DraftStepsReview';
import { savedDrafts } from './saved-drafts';

type DraftPart = Extract<MessagePart, { type: 'draft' }>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'workflow';

/**
 * The trigger a draft suggests, as `POST /api/workflows` takes it: schedules as they are, webhooks
 * on a path named after the workflow; a manual trigger is no trigger. `enabled: false` saves it
 * turned off.
 */
export function draftTriggerRequest(trigger: unknown, name: string, { enabled = true }: { enabled?: boolean } = {}): WorkflowTriggerRequest | undefined {
  if (typeof trigger !== 'object' || trigger === null) return undefined;
  const t = trigger as { type?: unknown; schedule?: { cron?: unknown; timezone?: unknown } };
  const key = `${slug(name)}-${Math.random().toString(36).slice(2, 6)}`;
  if (t.type === 'schedule' && typeof t.schedule?.cron === 'string') {
    const timezone = typeof t.schedule.timezone === 'string' ? t.schedule.timezone : Intl.DateTimeFormat().resolvedOptions().timeZone;
    return { key, type: 'schedule', enabled, schedule: { cron: t.schedule.cron, timezone } } as WorkflowTriggerRequest;
  }
  if (t.type === 'webhook') return { key, type: 'webhook', enabled, webhook: { path: key } } as WorkflowTriggerRequest;
  return undefined;
}

function describeTrigger(trigger: unknown): string | null {
  if (typeof trigger !== 'object' || trigger === null) return null;
  const t = trigger as { type?: unknown; schedule?: { cron?: unknown; timezone?: unknown } };
  if (t.type === 'schedule' && typeof t.schedule?.cron === 'string')
    return `On a schedule: ${t.schedule.cron}${typeof t.schedule.timezone === 'string' ? ` (${t.schedule.timezone})` : ''}`;
  if (t.type === 'webhook') return 'When a webhook is called';
  if (t.type === 'manual') return 'When you run it';
  return null;
}

/** A trigger that starts the workflow with nobody there, and when it would: what a draft must not turn on unseen. */
export type UnattendedTrigger = { kind: 'schedule' | 'webhook'; when: string };

/** The draft's trigger when it runs the workflow on its own (a schedule, a webhook); null for a manual one, or none. */
export function unattendedTrigger(trigger: unknown): UnattendedTrigger | null {
  if (typeof trigger !== 'object' || trigger === null) return null;
  const t = trigger as { type?: unknown; schedule?: { cron?: unknown; timezone?: unknown } };
  if (t.type === 'schedule' && typeof t.schedule?.cron === 'string') {
    const words = describeCron(t.schedule.cron);
    const at = words.ok ? words.text.charAt(0).toLowerCase() + words.text.slice(1) : `on the schedule ${t.schedule.cron}`;
    return { kind: 'schedule', when: `${at}${typeof t.schedule.timezone === 'string' ? ` (${t.schedule.timezone})` : ''}` };
  }
  if (t.type === 'webhook') return { kind: 'webhook', when: 'each time it is called' };
  return null;
}

/**
 * A drafted workflow in the chat: a small diagram, Save (with its trigger), or Open in the editor.
 *
 * A draft is model output, and one with a schedule or a webhook runs its commands with nobody there
 * once saved: it is not saved with that trigger on before its steps were shown. Its first Save opens
 * "Review the steps" (scrolled into view, focus on it) and offers "Save and turn on <trigger>" or
 * "Save with <trigger> off" instead; opening the review by hand offers them too. A manual draft
 * saves in one click. The choice is this card's: a card that scrolled out of the feed and back asks again.
 */
export function DraftCard({ messageId, index, draft }: { messageId: string; index: number; draft: DraftPart }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const key = `${messageId}#${index}`;
  const saved = useSyncExternalStore(
    (listener) => savedDrafts.subscribe(key, listener),
    () => savedDrafts.get(key),
    () => savedDrafts.get(key),
  );
  const parsed = parseDefinition(draft.definition);
  const record = typeof draft.definition === 'object' && draft.definition !== null ? (draft.definition as Record<string, unknown>) : {};
  const name = definitionName(record, 'Untitled workflow');
  const description = definitionDescription(record);
  const when = describeTrigger(draft.trigger);
  const inputCount = parsed.ok ? Object.keys(parsed.definition.inputs ?? {}).length : 0;
  const unattended = unattendedTrigger(draft.trigger);
  const review = useRef<HTMLDetailsElement>(null);
  const choice = useRef<HTMLFieldSetElement>(null);
  const [reviewed, setReviewed] = useState(false);
  const confirmId = useId();

  const writeGate = useGate('write');
  const save = useMutation({
    mutationFn: ({ triggerOn }: { triggerOn: boolean }) => {
      const trigger = draftTriggerRequest(draft.trigger, name, { enabled: triggerOn });
      return request('/api/workflows', {
        method: 'POST',
        body: { definition: draft.definition, ...(trigger ? { trigger } : {}) },
        schema: WorkflowResponse,
        idempotent: true,
      });
    },
    onSuccess: (workflow, { triggerOn }) => {
      savedDrafts.set(key, { id: workflow.id, name, ...(!triggerOn && unattended !== null ? { triggerOff: unattended.kind } : {}) });
      void queryClient.invalidateQueries({ queryKey: workflowKeys.all });
    },
  });

  /**
   * Save on a draft that would run on its own: its steps first, where the eye and the focus go. In
   * view: the steps with the choice under them when both fit, else the steps from their start.
   */
  const showSteps = () => {
    const details = review.current;
    if (details === null) return;
    details.open = true;
    flushSync(() => setReviewed(true));
    const summary = details.querySelector('summary');
    choice.current?.scrollIntoView({ block: 'nearest' });
    (summary ?? details).scrollIntoView({ block: 'nearest' });
    summary?.focus({ preventScroll: true });
  };
  /** The second click of a double click on Save lands where the choice now is: it chooses nothing. */
  const saveWith = (triggerOn: boolean) => (event: MouseEvent) => {
    if (event.detail > 1) return;
    save.mutate({ triggerOn });
  };
  const openInEditor = () => void navigate('/automation/workflows/new', { state: { draft: { definition: draft.definition, trigger: draft.trigger } } });
  const confirming = unattended !== null && reviewed;
  const busy = save.isPending || !parsed.ok;
  const savingWith = save.isPending ? save.variables?.triggerOn : undefined;

  // Beside the save buttons, whichever row shows them.
  const editorAndHint = (
    <>
      {writeGate.hint}
      <button type="button" className="btn" onClick={openInEditor}>
        Open in editor
      </button>
    </>
  );

  return (
    <div className="chat-card draft-card">
      <div className="draft-card__head">
        {saved !== null ? <span className="chip chip--ok">Saved</span> : <span className="chip chip--accent">Draft — not saved</span>}
        <strong className="draft-card__name">{name}</strong>
      </div>
      {description !== undefined && <p className="draft-card__desc">{description}</p>}
      <p className="muted draft-card__meta">
        {parsed.ok ? plural(countSteps(parsed.definition.steps), 'step') : 'Cannot be drawn'}
        {inputCount > 0 && ` · ${plural(inputCount, 'input')}`}
        {when !== null && ` · ${when}`}
      </p>
      {draft.unhandled !== undefined && draft.unhandled.length > 0 && (
        <p className="draft-card__unhandled" data-testid="draft-unhandled">
          Not in this draft: {draft.unhandled.join('; ')}
        </p>
      )}
      {parsed.ok ? (
        <>
          <WorkflowDiagram definition={parsed.definition} mode="view" className="draft-card__diagram" aria-label={`Draft: ${name}`} />
          {saved === null && <DraftStepsReview ref={review} definition={parsed.definition} onOpen={() => setReviewed(true)} />}
        </>
      ) : (
        <div className="alert alert--warn">
          <div className="alert__body">This draft is not a valid workflow yet: {parsed.message}</div>
        </div>
      )}
      {saved !== null ? (
        <div className="draft-card__actions">
          <span className="draft-card__saved" role="status">
            {saved.triggerOff === undefined ? (
              <>
                Saved. <Link to={`/automation/workflows/${encodeURIComponent(saved.id)}`}>Open “{saved.name}”</Link>
              </>
            ) : (
              <>
                Saved with its {saved.triggerOff} off. <Link to={`/automation/workflows/${encodeURIComponent(saved.id)}`}>Open “{saved.name}”</Link> to turn it
                on.
              </>
            )}
          </span>
        </div>
      ) : confirming ? (
        <fieldset ref={choice} className="draft-card__confirm" aria-labelledby={confirmId} data-testid="draft-confirm">
          <p id={confirmId} className="draft-card__confirm-text">
            <strong>It runs on its own.</strong> Turned on, its {unattended.kind} runs the steps above {unattended.when}, without asking anyone.
          </p>
          <div className="draft-card__actions">
            <button type="button" className="btn btn--primary" disabled={busy} onClick={saveWith(true)} {...writeGate.props}>
              {savingWith === true ? 'Saving…' : `Save and turn on ${unattended.kind}`}
            </button>
            <button type="button" className="btn" disabled={busy} onClick={saveWith(false)} {...writeGate.props}>
              {savingWith === false ? 'Saving…' : `Save with ${unattended.kind} off`}
            </button>
            {editorAndHint}
          </div>
        </fieldset>
      ) : (
        <div className="draft-card__actions">
          <button
            type="button"
            className="btn btn--primary"
            disabled={busy}
            onClick={unattended !== null ? showSteps : () => save.mutate({ triggerOn: true })}
            {...writeGate.props}
          >
            {save.isPending ? 'Saving…' : 'Save workflow'}
          </button>
          {editorAndHint}
        </div>
      )}
      {save.isError && (
        <p className="field__error" role="alert">
          {describeError(save.error)}
        </p>
      )}
    </div>
  );
}
