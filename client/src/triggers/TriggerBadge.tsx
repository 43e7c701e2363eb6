import './triggers.css';
import type { Trigger } from '@weft/shared';
import { ClockIcon, Icon } from '../components/icons';
import { describeCron } from './cron';

/** The cron in words, as every page shows it (the server's own description is 24-hour). */
export function scheduleWords(trigger: Pick<Trigger, 'schedule' | 'description'>): string {
  if (trigger.schedule === undefined) return trigger.description;
  const words = describeCron(trigger.schedule.cron);
  return words.ok ? words.text : trigger.schedule.cron;
}

/** How a workflow starts, in a word or a phrase: a schedule in words, a webhook, or by hand. */
export function TriggerBadge({ trigger }: { trigger: Trigger | null }) {
  if (trigger === null) {
    return (
      <span className="trigger-badge trigger-badge--manual" data-trigger-type="manual">
        Manual
      </span>
    );
  }
  const paused = trigger.enabled ? '' : ' is-paused';
  if (trigger.type === 'schedule') {
    return (
      <span
        className={`trigger-badge trigger-badge--schedule${paused}`}
        data-trigger-type="schedule"
        title={trigger.schedule ? `${trigger.schedule.cron} (${trigger.schedule.timezone})` : trigger.description}
      >
        <ClockIcon />
        <span className="trigger-badge__text">{scheduleWords(trigger)}</span>
        {!trigger.enabled && <span className="trigger-badge__paused">Paused</span>}
      </span>
    );
  }
  return (
    <span className={`trigger-badge trigger-badge--webhook${paused}`} data-trigger-type="webhook" title={trigger.description}>
      <WebhookIcon />
      <span className="trigger-badge__text">Webhook</span>
      {!trigger.enabled && <span className="trigger-badge__paused">Paused</span>}
    </span>
  );
}

export function WebhookIcon() {
  return (
    <Icon>
      <path d="M6.5 9.5a2.5 2.5 0 0 0 3.54 0l2-2a2.5 2.5 0 0 0-3.54-3.54l-.75.75" />
      <path d="M9.5 6.5a2.5 2.5 0 0 0-3.54 0l-2 2a2.5 2.5 0 0 0 3.54 3.54l.75-.75" />
    </Icon>
  );
}
