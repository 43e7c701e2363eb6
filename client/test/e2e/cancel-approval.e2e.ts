import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * A run and its approval agree, end to end: the real server and runner, the built client, headless
 * Chromium. A run waits at an approval; the inbox (with the nav badge) and the run page both show
 * it. Canceling the run from its page takes the card off the run page, out of the inbox and off the
 * badge, live, in both tabs, without a reload.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('canceling a run that waits for approval', () => {
  it('closes its approval everywhere at once: inbox card, nav badge and run page', async () => {
    try {
      const wf = await stack.api('POST', '/api/workflows', {
        definition: {
          name: 'Ship to production',
          steps: [{ id: 'sign_off', type: 'approval', name: 'Sign off', message: 'Ship build 42 to production?', allowSelfApproval: true }],
        },
      });
      expect(wf.status, JSON.stringify(wf.body)).toBe(201);
      const executionId = (await stack.api('POST', `/api/workflows/${wf.body.id}/run`, {})).body.executionId as string;
      const approvalId = await until(
        async () => (await stack.api('GET', `/api/approvals?status=pending&executionId=${executionId}`)).body.approvals[0]?.id as string | undefined,
        'the pending approval',
      );

      const inbox = await stack.newPage();
      await inbox.goto(`${stack.url}/approvals`);
      const waiting = inbox.getByRole('list', { name: 'Waiting approvals' });
      const inboxCard = waiting.locator(`[data-approval-id="${approvalId}"]`);
      await inboxCard.waitFor({ timeout: 30_000 });
      const badge = inbox.getByRole('link', { name: /^Approvals\s*1 pending$/ });
      await badge.waitFor();

      const run = await stack.newPage();
      await run.goto(`${stack.url}/automation/executions/${executionId}`);
      const runCard = run.locator(`[data-approval-id="${approvalId}"]`);
      await runCard.first().waitFor({ timeout: 30_000 });
      await run.getByText(/This run is waiting for an approval/).waitFor();
      await stack.screenshot(run, 'cancel-approval-run-before');
      await stack.screenshot(inbox, 'cancel-approval-inbox-before');

      await run.getByRole('button', { name: 'Cancel run' }).click();
      await run.getByRole('dialog').getByRole('button', { name: 'Cancel run' }).click();

      // Live, no reload: the run page drops the card beside its step and the waiting notice...
      await run
        .getByText(/canceled/i)
        .first()
        .waitFor({ timeout: 30_000 });
      await runCard.first().waitFor({ state: 'detached', timeout: 30_000 });
      // The notice follows the run's own approvals, which may land a frame after the card beside the step.
      await expect.poll(() => run.getByText(/This run is waiting for an approval/).count(), { timeout: 10_000 }).toBe(0);
      // ...the inbox drops the card and the badge its count.
      await inboxCard.waitFor({ state: 'detached', timeout: 30_000 });
      await badge.waitFor({ state: 'detached', timeout: 30_000 });
      expect(await inbox.getByRole('link', { name: /pending/ }).count()).toBe(0);
      await inbox.getByText('Nothing waiting for you').waitFor();
      await stack.screenshot(run, 'cancel-approval-run-after');
      await stack.screenshot(inbox, 'cancel-approval-inbox-after');

      // The Decided tab says why it closed.
      await inbox.getByRole('tab', { name: 'Decided' }).click();
      const closedCard = inbox.getByRole('list', { name: 'Decided approvals' }).locator(`[data-approval-id="${approvalId}"]`);
      await closedCard.getByText('The run was canceled before anyone decided.').waitFor({ timeout: 30_000 });
      expect(await closedCard.getAttribute('data-status')).toBe('closed');
      await stack.screenshot(inbox, 'cancel-approval-decided-tab');
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  });
});
