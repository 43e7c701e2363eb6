import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * A chat draft whose schedule would run it with nobody there, offline (the rule-based drafter):
 * Save shows its steps first and saves nothing; "Save and turn on schedule" then saves it with the
 * schedule on; "Save with schedule off" saves another with it off. What was saved is read back
 * through the API. Screenshots: chat-draft-review-steps.png (just after Save: the steps in view),
 * chat-draft-review.png (the choice under them).
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(() => stack?.stop());

type Workflow = { id: string; definition: { name: string } };

async function workflowNamed(name: string): Promise<Workflow | undefined> {
  const workflows = await stack.api('GET', '/api/workflows');
  return (workflows.body.workflows as Workflow[]).find((w) => w.definition.name === name);
}

async function triggersOf(workflowId: string) {
  const triggers = await stack.api('GET', '/api/triggers');
  return (triggers.body.triggers as { workflowId: string; type: string; enabled: boolean; schedule?: { cron: string } }[]).filter(
    (t) => t.workflowId === workflowId,
  );
}

/** Asks the offline assistant for a draft and returns its card (the newest) and the draft's name. */
async function draftFor(page: Page, text: string, count: number): Promise<{ card: Locator; name: string }> {
  const composer = page.getByRole('combobox', { name: 'Message the assistant' });
  await composer.fill(text);
  await composer.press('Enter');
  await until(async () => (await page.locator('.draft-card').count()) >= count || undefined, `draft card ${count}`);
  const card = page.locator('.draft-card').nth(count - 1);
  await card.locator('.react-flow__node').first().waitFor({ timeout: 30_000 });
  return { card, name: await card.locator('.draft-card__name').innerText() };
}

const isOpen = (review: Locator) => review.evaluate((details) => (details as HTMLDetailsElement).open);

describe('a chat draft that runs on its own', () => {
  it('is not saved before its steps are shown; then saves with its schedule on, or off', async () => {
    try {
      const session = await stack.api('POST', '/api/sessions', { title: 'Scheduled drafts' });
      const page = await stack.newPage();
      await page.goto(`${stack.url}/chat/${session.body.id}`);

      // 1. Save shows the steps (open, focused, in view) and saves nothing.
      const first = await draftFor(page, 'every weekday at 8 run `uptime` and notify me', 1);
      expect(await first.card.innerText()).toContain('On a schedule: 0 8 * * 1-5');
      const review = first.card.getByTestId('draft-review');
      expect(await isOpen(review)).toBe(false);
      await first.card.getByRole('button', { name: 'Save workflow' }).click();
      expect(await isOpen(review)).toBe(true);
      const turnOn = first.card.getByRole('button', { name: 'Save and turn on schedule' });
      await turnOn.waitFor();
      await stack.screenshot(page, 'chat-draft-review-steps');
      expect(await review.locator('summary').evaluate((summary) => summary === document.activeElement)).toBe(true);
      expect(
        await review.locator('summary').evaluate((summary) => {
          const box = summary.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        }),
      ).toBe(true);
      expect(await first.card.getByTestId('draft-review').innerText()).toContain('uptime');
      expect(await first.card.getByTestId('draft-confirm').innerText()).toContain(
        'Turned on, its schedule runs the steps above at 08:00 AM, Monday through Friday',
      );
      await page.waitForTimeout(300);
      expect(await workflowNamed(first.name)).toBeUndefined();
      await turnOn.scrollIntoViewIfNeeded();
      await stack.screenshot(page, 'chat-draft-review');

      // 2. "Save and turn on schedule": saved, its schedule enabled.
      await turnOn.click();
      await first.card.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: 30_000 });
      const on = await until(() => workflowNamed(first.name), 'the first draft saved');
      expect(await triggersOf(on.id)).toEqual([
        expect.objectContaining({ type: 'schedule', enabled: true, schedule: expect.objectContaining({ cron: '0 8 * * 1-5' }) }),
      ]);

      // 3. Another scheduled draft, saved with its schedule off.
      const second = await draftFor(page, 'every hour run `df -h` and notify me', 2);
      await second.card.getByRole('button', { name: 'Save workflow' }).click();
      await second.card.getByRole('button', { name: 'Save with schedule off' }).click();
      await second.card.getByRole('status').filter({ hasText: 'Saved with its schedule off.' }).waitFor({ timeout: 30_000 });
      await second.card.getByRole('link', { name: `Open “${second.name}”` }).waitFor();
      const off = await until(() => workflowNamed(second.name), 'the second draft saved');
      expect(await triggersOf(off.id)).toEqual([expect.objectContaining({ type: 'schedule', enabled: false })]);
    } catch (error) {
      process.stderr.write(stack.output());
      throw error;
    }
  });
});
