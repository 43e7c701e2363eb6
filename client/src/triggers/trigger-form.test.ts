import type { Trigger } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { emptyTriggerForm, formFromTrigger, triggerErrors, triggerRequest, withVerify, withWebhookSecret } from './trigger-form';

const saved = (over: Partial<Trigger>): Trigger =>
  ({
    id: 'tr_1',
    key: 'wf-x-1',
    workflowId: 'wf_1',
    enabled: true,
    description: '',
    nextRunAt: null,
    lastDelivery: null,
    createdAt: '',
    updatedAt: '',
    ...over,
  }) as Trigger;

describe('trigger form round trip', () => {
  it('sends back the schedule policies and the webhook rate limit it does not edit', () => {
    const schedule = formFromTrigger(
      saved({ type: 'schedule', schedule: { cron: '0 9 * * *', timezone: 'UTC', catchUp: 'skip', catchUpWindowSeconds: 60, overlap: 'allow' } }),
      'x',
    );
    expect(triggerRequest({ ...schedule, cron: '0 10 * * *' })).toMatchObject({
      schedule: { cron: '0 10 * * *', timezone: 'UTC', catchUp: 'skip', catchUpWindowSeconds: 60, overlap: 'allow' },
    });
    const hook = formFromTrigger(
      saved({
        type: 'webhook',
        webhook: { path: 'in/x', url: '/hooks/in/x', verify: 'github', hasSecret: true, rateLimitPerMinute: 5000, allowBrowser: true, respondWithOutput: true },
      }),
      'x',
    );
    // No secret sent: the saved one is kept.
    expect((triggerRequest(hook) as { webhook: object }).webhook).toEqual({
      path: 'in/x',
      verify: 'github',
      rateLimitPerMinute: 5000,
      allowBrowser: true,
      respondWithOutput: true,
    });
  });

  it('leaves them to the server defaults for a new trigger', () => {
    const form = { ...emptyTriggerForm('x'), type: 'schedule' as const, cron: '0 9 * * *', timezone: 'UTC' };
    expect(triggerRequest(form)).toMatchObject({ schedule: { cron: '0 9 * * *', timezone: 'UTC' } });
    expect((triggerRequest(form) as { schedule: object }).schedule).not.toHaveProperty('overlap');
  });
});

describe('webhook schemes in the form', () => {
  const webhook = () => withWebhookSecret({ ...emptyTriggerForm('x'), type: 'webhook' });

  it('generates a secret to copy for weft and GitHub, and sends it', () => {
    const form = webhook();
    expect(form.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(triggerRequest(form)).toMatchObject({ webhook: { verify: 'weft', secret: form.secret } });
    const github = withVerify(form, 'github');
    expect(github.secret).toBe(form.secret);
    expect(triggerErrors(github)).toEqual({});
  });

  it('asks Stripe and Slack hooks for the secret their sender issued, dropping a generated one', () => {
    const stripe = withVerify(webhook(), 'stripe');
    expect(stripe.secret).toBe('');
    expect(triggerErrors(stripe)).toEqual({ secret: 'Paste the signing secret Stripe shows for this endpoint' });
    const pasted = { ...stripe, secret: 'whsec_from-the-dashboard' };
    expect(triggerRequest(pasted)).toMatchObject({ webhook: { verify: 'stripe', secret: 'whsec_from-the-dashboard' } });
    // A pasted secret survives a change of scheme; a saved one needs nothing pasted.
    expect(withVerify({ ...pasted, secretGenerated: false }, 'slack').secret).toBe('whsec_from-the-dashboard');
    expect(triggerErrors({ ...stripe, hadSecret: true })).toEqual({});
  });

  it('sends no secret for an unsigned hook', () => {
    const none = withVerify(webhook(), 'none');
    expect(triggerErrors(none)).toEqual({});
    expect((triggerRequest(none) as { webhook: object }).webhook).toEqual({ path: none.path, verify: 'none' });
  });
});
