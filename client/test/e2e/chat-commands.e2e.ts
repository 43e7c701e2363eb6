import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * Chat commands end to end, offline (no model): the `/` palette picks the command and the workflow,
 * `/run` asks for approval and `/approve` starts it on the real runner, `/why` explains the failure
 * with links that open the run at the failed step. Looked at wide and at 420 px.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(() => stack?.stop());

const DISK_CHECK = {
  name: 'Disk check',
  steps: [{ id: 'df', type: 'bash', name: 'Disk usage', command: 'echo "/dev/sda1 91% /"; echo "disk over 80%" >&2; exit 2' }],
};

describe('chat commands in the browser', () => {
  it('palette → /run → /approve → /why with links', async () => {
    const wf = await stack.api('POST', '/api/workflows', { definition: DISK_CHECK });
    const chat = await stack.api('POST', '/api/sessions', {});
    const page = await stack.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${stack.url}/chat/${chat.body.id}`);
    const composer = page.getByRole('combobox', { name: 'Message the assistant' });
    await composer.click();
    await composer.pressSequentially('/ru');
    const palette = page.getByRole('listbox', { name: 'Commands and workflows' });
    await palette.waitFor();
    expect(await palette.getByRole('option').allTextContents()).toEqual(['/runStart a workflow in this chat', '/runsList recent runs']);
    await stack.screenshot(page, 'chat-palette-commands');
    await composer.press('Enter');
    await until(async () => (await palette.getByRole('option').allTextContents()).join() === 'Disk checkworkflow', 'workflow names in the palette');
    await composer.press('Tab');
    expect(await composer.inputValue()).toBe('/run Disk check ');
    await composer.press('Enter');

    await page.getByText('needs your approval').waitFor({ timeout: 30_000 });
    // The chat is titled after the workflow it runs.
    await page.getByRole('heading', { level: 1, name: 'Disk check' }).waitFor();
    await composer.fill('/approve');
    await composer.press('Escape');
    await composer.press('Enter');
    await page.getByText(/Started Disk check as run ex_/).waitFor({ timeout: 30_000 });
    await until(async () => (await stack.api('GET', `/api/executions?workflowId=${wf.body.id}`)).body.executions[0]?.status === 'failed', 'the run to fail');

    await composer.fill('/why');
    await composer.press('Escape');
    await composer.press('Enter');
    const answer = page.locator('p.msg-text', { hasText: 'failed at step' });
    await answer.waitFor({ timeout: 30_000 });
    expect(await answer.textContent()).toMatch(/^Run ex_\S+ of Disk check failed at step df: .*\nLast lines of its log:\n\/dev\/sda1 91% \/\ndisk over 80%$/s);
    await stack.screenshot(page, 'chat-why-wide');

    await page.setViewportSize({ width: 420, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await stack.screenshot(page, 'chat-why-420');

    // exact: a random execution id may contain "df".
    await answer.getByRole('link', { name: 'df', exact: true }).click();
    await page.waitForURL(/\/automation\/executions\/ex_[^?]+\?step=df$/);
    // The step opened at once: its inspector shows it.
    await page.getByText('Disk usage').first().waitFor();
    await page.close();
  }, 120_000);
});
