import './step-cards.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { WorkflowResponse, type MessagePart, type WorkflowTriggerRequest } from '@weft/shared';
import { useSyncExternalStore } from 'react';
import { Link, useNavigate } from 'react-router';
import { request } from '../api/http';
import { workflowKeys } from '../api/workflows';
import { describeError } from '../components/Panels';
import { WorkflowDiagram } from '../diagram/WorkflowDiagram';
import { countSteps, definitionDescription, definitionName, parseDefinition } from '../lib/definition';
import { useGate } from '../auth/Gate';
import { DraftStepsReview } from './DraftStepsReview';
import { savedDrafts } from './saved-drafts';

type DraftPart = Extract<MessagePart, { type: 'draft' }>;

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'workflow';

/**
 * The trigger a draft suggests, as `POST /api/workflows` takes it: schedules as they are, webhooks
 * on a path named after the workflow; a manual trigger is no trigger.
 */
export function draftTriggerRequest(trigger: unknown, name: string): WorkflowTriggerRequest | undefined {
  if (typeof trigger !== 'object' || trigger === null) return undefined;
  const t = trigger as { type?: unknown; schedule?: { cron?: unknown; timezone?: unknown } };
  const key = `${slug(name)}-${Math.random().toString(36).slice(2, 6)}`;
  if (t.type === 'schedule' && typeof t.schedule?.cron === 'string') {
    const timezone = typeof t.schedule.timezone === 'string' ? t.schedule.timezone : Intl.DateTimeFormat().resolvedOptions().timeZone;
    return { key, type: 'schedule', enabled: true, schedule: { cron: t.schedule.cron, timezone } } as WorkflowTriggerRequest;
  }
  if (t.type === 'webhook') return { key, type: 'webhook', enabled: true, webhook: { path: key } } as WorkflowTriggerRequest;
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

/** A drafted workflow in the chat: a small diagram, Save (with its trigger), or Open in the editor. */
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

  const writeGate = useGate('write');
  const save = useMutation({
    mutationFn: () => {
      const trigger = draftTriggerRequest(draft.trigger, name);
      return request('/api/workflows', {
        method: 'POST',
        body: { definition: draft.definition, ...(trigger ? { trigger } : {}) },
        schema: WorkflowResponse,
        idempotent: true,
      });
    },
    onSuccess: (workflow) => {
      savedDrafts.set(key, { id: workflow.id, name });
      void queryClient.invalidateQueries({ queryKey: workflowKeys.all });
    },
  });

  return (
    <div className="chat-card draft-card">
      <div className="draft-card__head">
        {saved !== null ? <span className="chip chip--ok">Saved</span> : <span className="chip chip--accent">Draft — not saved</span>}
        <strong className="draft-card__name">{name}</strong>
      </div>
      {description !== undefined && <p className="draft-card__desc">{description}</p>}
      <p className="muted draft-card__meta">
        {parsed.ok ? `${countSteps(parsed.definition.steps)} steps` : 'Cannot be drawn'}
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
          {saved === null && <DraftStepsReview definition={parsed.definition} />}
        </>
      ) : (
        <div className="alert alert--warn">
          <div className="alert__body">This draft is not a valid workflow yet: {parsed.message}</div>
        </div>
      )}
      <div className="draft-card__actions">
        {saved !== null ? (
          <span className="draft-card__saved" role="status">
            Saved. <Link to={`/automation/workflows/${encodeURIComponent(saved.id)}`}>Open “{saved.name}”</Link>
          </span>
        ) : (
          <>
            <button type="button" className="btn btn--primary" disabled={save.isPending || !parsed.ok} onClick={() => save.mutate()} {...writeGate.props}>
              {save.isPending ? 'Saving…' : 'Save workflow'}
            </button>
            {writeGate.hint}
            <button
              type="button"
              className="btn"
              onClick={() => void navigate('/automation/workflows/new', { state: { draft: { definition: draft.definition, trigger: draft.trigger } } })}
            >
              Open in editor
            </button>
          </>
        )}
      </div>
      {save.isError && (
        <p className="field__error" role="alert">
          {describeError(save.error)}
        </p>
      )}
    </div>
  );
}
