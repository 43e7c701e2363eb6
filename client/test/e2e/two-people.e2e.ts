import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * Issue 18 §6: two browsers, two people. The owner invites an approver from the People page; the
 * approver accepts the invite in a browser of their own. The owner starts a run that waits for an
 * approval: they may not approve their own run (the card says why); the approver sees it under
 * "Yours to decide", approves it, and the run finishes, recorded as theirs. Screenshots: two-people-*.png.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('two people', () => {
  it('one starts a run, the other approves it', async () => {
    try {
      const owner = await stack.newPage();

      // The owner invites Ana as an approver and copies the one-time link.
      await owner.goto(`${stack.url}/settings/people`);
      const invite = owner.getByRole('form', { name: 'Invite someone' });
      await invite.getByLabel('Name').fill('Ana Approver');
      await invite.getByLabel('Email').fill('ana@example.test');
      await invite.getByLabel('Role').selectOption('approver');
      await invite.getByRole('button', { name: 'Invite' }).click();
      const inviteUrl = (await owner.locator('code', { hasText: '/invite/' }).innerText({ timeout: 30_000 })).trim();
      expect(inviteUrl).toMatch(/\/invite\/\S+$/);

      // Ana, in her own browser: the link greets her, she chooses a password and is in.
      const ana = await stack.newAnonymousPage();
      await ana.goto(inviteUrl);
      const choose = ana.getByRole('form', { name: 'Choose a password' });
      await choose.getByLabel('Password', { exact: true }).fill('ana-has-a-long-password');
      await choose.getByLabel('Repeat the password').fill('ana-has-a-long-password');
      await choose.getByRole('button', { name: 'Set password and sign in' }).click();
      await ana.waitForURL(`${stack.url}/chat`, { timeout: 30_000 });

      // The owner runs a workflow that waits for an approval.
      const saved = await stack.api('POST', '/api/workflows', {
        definition: {
          name: 'Deploy with a second pair of eyes',
          steps: [
            { id: 'gate', type: 'approval', message: 'Deploy now?' },
            { id: 'deploy', type: 'bash', command: 'echo deployed' },
          ],
        },
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(201);
      await owner.goto(`${stack.url}/automation/workflows/${saved.body.id}`);
      await owner.getByTestId('run-workflow').click();
      await owner.waitForURL(/\/automation\/executions\/ex_[^/?]+$/, { timeout: 30_000 });
      const executionId = new URL(owner.url()).pathname.split('/').pop()!;

      // The starter may not approve their own run: the buttons are disabled, saying why.
      const ownerApprove = owner.getByRole('button', { name: 'Approve' });
      await ownerApprove.waitFor({ timeout: 30_000 });
      expect(await ownerApprove.isDisabled()).toBe(true);
      const why = await owner.locator(`#${await ownerApprove.getAttribute('aria-describedby')}`).innerText();
      expect(why).toMatch(/started|own/i);
      await stack.screenshot(owner, 'two-people-owner-cannot-approve');

      // Ana sees it as hers to decide, and approves.
      await ana.goto(`${stack.url}/approvals`);
      const card = ana.getByRole('article').filter({ hasText: 'Deploy now?' });
      await card.waitFor({ timeout: 30_000 });
      await stack.screenshot(ana, 'two-people-approver-inbox');
      await card.getByRole('button', { name: 'Approve' }).click();

      await until(
        async () => ((await stack.api('GET', `/api/executions/${executionId}`)).body.status === 'succeeded' ? true : undefined),
        'the approved run to finish',
      );
      // The owner's inbox lists it under Decided, with who approved it.
      await owner.goto(`${stack.url}/approvals`);
      await owner.getByRole('tab', { name: 'Decided' }).click();
      const decided = owner.getByRole('list', { name: 'Decided approvals' }).getByRole('article').filter({ hasText: 'Deploy now?' });
      await decided.getByText(/Approved by Ana Approver/).waitFor({ timeout: 30_000 });
      await stack.screenshot(owner, 'two-people-owner-sees-approval');

      // Both facts are on record: who started it, who approved it.
      const execution = await stack.api('GET', `/api/executions/${executionId}`);
      expect(execution.body.startedBy).toEqual({ kind: 'user', id: 'owner', name: 'owner' });
      const audit = await stack.api('GET', `/api/audit?action=approval.decided`);
      expect(audit.body.entries).toEqual([expect.objectContaining({ actor: expect.objectContaining({ kind: 'user', name: 'Ana Approver' }) })]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- stack output ---\n${stack.output()}`);
    }
  });
});
