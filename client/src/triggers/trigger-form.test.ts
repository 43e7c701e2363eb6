import type { Trigger } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { emptyTriggerForm, formFromTrigger, triggerRequest } from './trigger-form';

const saved = (over: Partial<Trigger>): Trigger =>
  ({ id: 'tr_1', key: 'wf-x-1', workflowId: 'wf_1', enabled: true, description: '', nextRunAt: null, lastDelivery: null, createdAt: '', updatedAt: '', ...over }) as Trigger;

describe('trigger form round trip', () => {
  it('sends back the schedule policies and the webhook rate limit it does not edit', () => {
    const schedule = formFromTrigger(saved({ type: 'schedule', schedule: { cron: '0 9 * * *', timezone: 'UTC', catchUp: 'skip', catchUpWindowSeconds: 60, overlap: 'allow' } }), 'x');
    expect(triggerRequest({ ...schedule, cron: '0 10 * * *' })).toMatchObject({ schedule: { cron: '0 10 * * *', timezone: 'UTC', catchUp: 'skip', catchUpWindowSeconds: 60, overlap: 'allow' } });
    const hook = formFromTrigger(saved({ type: 'webhook', webhook: { path: 'in/x', url: '/hooks/in/x', hasSecret: false, rateLimitPerMinute: 5000 } }), 'x');
    expect(triggerRequest(hook)).toMatchObject({ webhook: { path: 'in/x', rateLimitPerMinute: 5000 } });
  });

  it('leaves them to the server defaults for a new trigger', () => {
    const form = { ...emptyTriggerForm('x'), type: 'schedule' as const, cron: '0 9 * * *', timezone: 'UTC' };
    expect(triggerRequest(form)).toMatchObject({ schedule: { cron: '0 9 * * *', timezone: 'UTC' } });
    expect((triggerRequest(form) as { schedule: object }).schedule).not.toHaveProperty('overlap');
  });
});
