import { TRIGGERS_TOPIC } from '@weft/shared';
import './trigger-form.css';
import './triggers.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { topicHead } from '../api/events';
import { useTopicBatches } from '../api/live-socket';
import { triggerKeys, triggersApi } from '../api/triggers';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PlusIcon, SchedulesIcon } from '../components/icons';
import { NewWorkflowLink } from '../components/NewWorkflowLink';
import { PageHeader } from '../components/PageHeader';
import { describeError, EmptyPanel, ErrorPanel } from '../components/Panels';
import { SkeletonLine } from '../components/Skeleton';
import { definitionName } from '../lib/definition';
import { TriggerCard } from './TriggerCard';
import { TriggerEditor } from './TriggerEditor';

function SkeletonCard() {
  return (
    <div className="card trigger-item" aria-hidden="true">
      <div className="trigger-item__head">
        <SkeletonLine width={84} height={20} />
        <SkeletonLine width="40%" height={16} />
      </div>
      <div className="trigger-item__body">
        <SkeletonLine width="55%" height={18} />
        <SkeletonLine width="35%" />
        <SkeletonLine width="70%" />
      </div>
    </div>
  );
}

/** What the editor is open for: a new trigger, or the key of the one being edited. */
type Editing = { kind: 'new' } | { kind: 'edit'; key: string } | null;

/**
 * Every schedule and webhook, each with what fires it, its workflow, its last deliveries and a
 * switch; triggers for any workflow are created, edited and deleted here.
 */
export function SchedulesPage() {
  const queryClient = useQueryClient();
  // The `triggers` topic's head first, then the list: following it from there misses nothing.
  // Without the events API the list still loads; it just is not live.
  const head = useQuery({
    queryKey: ['topic-head', TRIGGERS_TOPIC],
    queryFn: ({ signal }) => topicHead(TRIGGERS_TOPIC, signal),
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  const triggers = useQuery({ queryKey: triggerKeys.list(), queryFn: ({ signal }) => triggersApi.list(signal), enabled: head.isFetched });
  // Live: a trigger saved or toggled elsewhere, a delivery recorded (a tick, a hook call) or a new
  // per-minute count of refused calls. The list
  // and the deliveries of the triggers named are fetched again; a fetch already running finishes
  // rather than restarting, so a busy webhook does not keep the page refetching forever.
  useTopicBatches(
    TRIGGERS_TOPIC,
    (events) => {
      void queryClient.invalidateQueries({ queryKey: triggerKeys.list() }, { cancelRefetch: false });
      const delivered = new Set(
        events.flatMap((e) => (e.type === 'delivery.recorded' || e.type === 'delivery.counted' ? [(e.data as { triggerKey: string }).triggerKey] : [])),
      );
      for (const key of delivered) void queryClient.invalidateQueries({ queryKey: [...triggerKeys.all, 'deliveries', key] }, { cancelRefetch: false });
    },
    { after: head.data ?? 0, enabled: head.isSuccess && triggers.isSuccess },
  );
  const workflows = useQuery({ queryKey: workflowKeys.list(), queryFn: ({ signal }) => workflowsApi.list(signal) });
  const choices = (workflows.data ?? []).map((w) => ({ id: w.id, name: definitionName(w.definition, w.id) }));
  const names = new Map(choices.map((w) => [w.id, w.name]));
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (key: string) => triggersApi.remove(key),
    onSuccess: () => {
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: triggerKeys.list() });
    },
  });
  const editedTrigger = editing?.kind === 'edit' ? triggers.data?.find((t) => t.key === editing.key) : undefined;
  const nameOf = (workflowId: string) => names.get(workflowId) ?? (workflows.isPending ? null : workflowId);

  return (
    <div className="page">
      <title>Schedules & hooks · Weft</title>
      <PageHeader
        title="Schedules & hooks"
        subtitle="What starts your workflows on its own: cron schedules and webhook URLs."
        actions={
          choices.length > 0 && editing === null ? (
            <button type="button" className="btn btn--primary" onClick={() => setEditing({ kind: 'new' })}>
              <PlusIcon />
              New trigger
            </button>
          ) : undefined
        }
      />
      {editing !== null && (editing.kind === 'new' || editedTrigger !== undefined) && (
        <TriggerEditor key={editing.kind === 'edit' ? editing.key : 'new'} trigger={editedTrigger} workflows={choices} onDone={() => setEditing(null)} />
      )}
      {triggers.isPending ? (
        <section className="trigger-grid" aria-busy="true" aria-label="Loading triggers">
          <SkeletonCard />
          <SkeletonCard />
          <SkeletonCard />
        </section>
      ) : triggers.isError ? (
        <ErrorPanel error={triggers.error} title="Could not load schedules and hooks" onRetry={() => void triggers.refetch()} retrying={triggers.isFetching} />
      ) : triggers.data.length === 0 ? (
        <EmptyPanel icon={<SchedulesIcon />} title="No schedules or webhooks yet" actions={<NewWorkflowLink />}>
          Choose a schedule or a webhook when you save a workflow, or add one here with New trigger.
        </EmptyPanel>
      ) : (
        <ul className="trigger-grid" aria-label="Triggers">
          {triggers.data.map((trigger) => (
            <li key={trigger.key}>
              <TriggerCard
                trigger={trigger}
                workflowName={nameOf(trigger.workflowId)}
                actions={
                  <>
                    <button type="button" className="btn btn--ghost btn--small" onClick={() => setEditing({ kind: 'edit', key: trigger.key })}>
                      Edit
                    </button>
                    <button type="button" className="btn btn--ghost btn--small" onClick={() => setDeleting(trigger.key)}>
                      Delete
                    </button>
                  </>
                }
              />
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this trigger?"
        confirmLabel="Delete"
        tone="danger"
        busy={remove.isPending}
        error={remove.isError ? describeError(remove.error) : undefined}
        onCancel={() => {
          setDeleting(null);
          remove.reset();
        }}
        onConfirm={() => deleting !== null && remove.mutate(deleting)}
      >
        <p>
          {(() => {
            const t = triggers.data?.find((x) => x.key === deleting);
            const name = t ? (nameOf(t.workflowId) ?? 'its workflow') : 'its workflow';
            return `Its history of deliveries goes with it. “${name}” itself is kept and can still be run by hand.`;
          })()}
        </p>
      </ConfirmDialog>
    </div>
  );
}
