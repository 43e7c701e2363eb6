import './trigger-editor.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Trigger, TriggerUpsertRequest } from '@weft/shared';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { issuesOf } from '../api/http';
import { triggerKeys, triggersApi } from '../api/triggers';
import { describeError } from '../components/Panels';
import { TriggerForm } from './TriggerForm';
import { emptyTriggerForm, formFromTrigger, triggerErrors, triggerErrorsFrom, triggerRequest, type TriggerForm as TriggerFormValue } from './trigger-form';
import { useWebhookPathCheck } from './use-webhook-path-check';

export type WorkflowChoice = { id: string; name: string };

/**
 * Creates a schedule or webhook for any workflow, or edits one, with the same form the workflow
 * composer uses. `trigger` absent: a new one (the workflow is chosen here). Saving is
 * `PUT /api/triggers/:key`; the webhook path is checked with the server while it is typed.
 */
export function TriggerEditor({
  trigger,
  workflows,
  onDone,
}: {
  trigger?: Trigger | undefined;
  workflows: readonly WorkflowChoice[];
  onDone: (saved: Trigger | null) => void;
}) {
  const queryClient = useQueryClient();
  const id = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [workflowId, setWorkflowId] = useState(trigger?.workflowId ?? workflows[0]?.id ?? '');
  const workflowName = workflows.find((w) => w.id === workflowId)?.name ?? workflowId;
  const [form, setForm] = useState<TriggerFormValue>(() => (trigger ? formFromTrigger(trigger, workflowName) : emptyTriggerForm(workflowName)));
  const [tried, setTried] = useState(false);

  // Opening the editor moves focus to it, so keyboard and screen reader users land in the form.
  useEffect(() => headingRef.current?.focus(), []);

  const pathTaken = useWebhookPathCheck({ path: form.path, exceptKey: trigger?.key, enabled: form.type === 'webhook' });
  const save = useMutation({
    mutationFn: (body: TriggerUpsertRequest) => triggersApi.put({ key: form.key, body }),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: triggerKeys.list() });
      onDone(saved);
    },
  });

  const local = triggerErrors(form);
  const server = save.isError ? triggerErrorsFrom(issuesOf(save.error).map((i) => ({ ...i, path: `trigger.${i.path}` }))) : {};
  const errors = { ...server, ...local, ...(pathTaken !== undefined && local.path === undefined ? { path: pathTaken } : {}) };
  const manual = form.type === 'manual';
  const blocked = manual || Object.keys(local).length > 0 || pathTaken !== undefined || workflowId === '';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (blocked) return;
    const request = triggerRequest(form, trigger?.inputs);
    if (request === undefined) return;
    const { key: _key, ...rest } = request;
    save.mutate({ ...rest, workflowId } as TriggerUpsertRequest);
  };

  return (
    <form className="card trigger-editor" aria-labelledby={`${id}-title`} onSubmit={submit} noValidate data-testid="trigger-editor">
      <h2 id={`${id}-title`} ref={headingRef} tabIndex={-1}>
        {trigger ? `Edit trigger for ${workflowName}` : 'New schedule or webhook'}
      </h2>
      {trigger === undefined && (
        <div className="field">
          <label className="field__label" htmlFor={`${id}-workflow`}>
            Workflow
          </label>
          <select id={`${id}-workflow`} className="input" value={workflowId} onChange={(e) => setWorkflowId(e.target.value)}>
            {workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <TriggerForm value={form} onChange={setForm} errors={tried || form.type !== null ? errors : {}} workflowName={workflowName} />
      {manual && (
        <p className="muted" role="status">
          A manual workflow needs no trigger: start it with Run on its page.{trigger ? ' To stop this trigger, turn it off or delete it.' : ''}
        </p>
      )}
      {save.isError && Object.keys(server).length === 0 && (
        <p className="field__error" role="alert">
          {describeError(save.error)}
        </p>
      )}
      <div className="trigger-editor__actions">
        <button type="submit" className="btn btn--primary" disabled={save.isPending || (tried && blocked)}>
          {save.isPending ? 'Saving…' : trigger ? 'Save trigger' : 'Create trigger'}
        </button>
        <button type="button" className="btn" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
