import '../workflows.css';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { triggerKeys, triggersApi } from '../../api/triggers';
import { RelativeTime } from '../../components/RelativeTime';
import { SkeletonLine } from '../../components/Skeleton';
import { CopyButton } from '../../triggers/CopyButton';
import { TriggerBadge } from '../../triggers/TriggerBadge';
import { webhookUrl } from '../../triggers/trigger-form';

/** How this workflow starts: its schedules and hooks, or "by hand". */
export function WorkflowTriggersCard({ workflowId }: { workflowId: string }) {
  const triggers = useQuery({ queryKey: triggerKeys.list(), queryFn: ({ signal }) => triggersApi.list(signal) });
  const own = triggers.data?.filter((t) => t.workflowId === workflowId) ?? [];
  return (
    <section className="card" aria-labelledby="wf-triggers-title">
      <div className="card__header">
        <h2 id="wf-triggers-title">Starts</h2>
        <Link to="/automation/schedules-and-hooks" className="muted">
          Schedules & hooks
        </Link>
      </div>
      <div className="card__body wf-triggers">
        {triggers.isPending ? (
          <SkeletonLine width="70%" height={18} />
        ) : triggers.isError ? (
          <p className="muted">
            Could not load its triggers.{' '}
            <button type="button" className="btn btn--ghost btn--small" onClick={() => void triggers.refetch()}>
              Retry
            </button>
          </p>
        ) : own.length === 0 ? (
          <div className="wf-triggers__item">
            <TriggerBadge trigger={null} />
            <span className="muted">Only when someone runs it.</span>
          </div>
        ) : (
          own.map((trigger) => (
            <div key={trigger.key} className="wf-triggers__item" data-trigger-key={trigger.key}>
              <TriggerBadge trigger={trigger} />
              {trigger.type === 'schedule' && trigger.schedule !== undefined && (
                <span className="muted">
                  {trigger.schedule.timezone.replaceAll('_', ' ')}
                  {trigger.nextRunAt !== null && (
                    <>
                      {' · next '}
                      <RelativeTime iso={trigger.nextRunAt} />
                    </>
                  )}
                </span>
              )}
              {trigger.type === 'webhook' && trigger.webhook !== undefined && (
                <span className="copy-row copy-row--compact">
                  <code className="copy-row__text">{webhookUrl(trigger.webhook.path)}</code>
                  <CopyButton text={webhookUrl(trigger.webhook.path)} className="btn btn--small copy-btn" />
                </span>
              )}
            </div>
          ))
        )}
      </div>
    </section>
  );
}
