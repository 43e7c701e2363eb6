import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness';

/**
 * Two saved versions compared on the diagram in Chromium: the step whose command changed, the
 * step added and the step removed carry exactly those markers, and the changed one names `command`.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ runner: false });
});

afterAll(async () => {
  await stack?.stop();
});

const v1 = {
  name: 'Nightly disk check',
  steps: [
    { id: 'measure', type: 'bash', name: 'Measure disk', command: 'df -h /' },
    { id: 'legacy_mail', type: 'notify', name: 'Mail the old list', message: 'disk checked' },
    {
      id: 'low',
      type: 'conditional',
      name: 'Disk low?',
      condition: 'true',
      then: [{ id: 'page', type: 'notify', name: 'Page on-call', message: 'disk low' }],
    },
    { id: 'log', type: 'bash', name: 'Log result', command: 'echo done' },
  ],
};
const v2 = {
  ...v1,
  steps: [
    { id: 'measure', type: 'bash', name: 'Measure disk', command: 'df -h /var' },
    v1.steps[2]!,
    { id: 'chat', type: 'notify', name: 'Post to chat', message: 'disk checked' },
    v1.steps[3]!,
  ],
};

describe('version compare', () => {
  it('marks exactly the changed, added and removed steps, and names the changed field', async () => {
    const created = await stack.api('POST', '/api/workflows', { definition: v1 });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect((await stack.api('PUT', `/api/workflows/${id}`, { definition: v2, baseVersion: 1 })).status).toBe(200);

    const page = await stack.newPage();
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.goto(`${stack.url}/automation/workflows/${id}`);
    await page.getByRole('form', { name: 'Compare versions' }).getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(new RegExp(`/automation/workflows/${id}/compare\\?from=1&to=2$`), { timeout: 15_000 });

    const before = page.locator('[data-side="before"]');
    const after = page.locator('[data-side="after"]');
    await after.locator('.react-flow__node[data-id="chat"]').waitFor({ timeout: 30_000 });
    await before.locator('.react-flow__node[data-id="legacy_mail"]').waitFor();

    const marks = (side: typeof before) =>
      side
        .locator('[data-diff]')
        .evaluateAll((els) => Object.fromEntries(els.map((el) => [(el as HTMLElement).dataset.stepId, (el as HTMLElement).dataset.diff])));
    expect(await marks(before)).toEqual({ measure: 'changed', legacy_mail: 'removed' });
    expect(await marks(after)).toEqual({ measure: 'changed', chat: 'added' });

    const measured = after.locator('.react-flow__node[data-id="measure"]');
    expect(await measured.getByTestId('diff-fields').textContent()).toBe('Changed fields: command');
    await measured.getByTestId('diff-fields').getByText('command').waitFor();
    expect(await after.locator('.react-flow__node[data-id="chat"] [data-diff-kind="added"]').textContent()).toBe('+ Added');
    expect(await before.locator('.react-flow__node[data-id="legacy_mail"] [data-diff-kind="removed"]').textContent()).toBe('− Removed');

    // The field-level diff of the changed step, as text.
    await measured.click();
    const row = page.getByTestId('step-change').locator('tr[data-field="command"]');
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(['"df -h /"', '"df -h /var"']);

    const file = await stack.screenshot(page, 'version-compare');
    console.log(`screenshot: ${file}`);

    // A proposal (made through the workflow tools, as the assistant does) shown the same way on the workflow page.
    const proposed = { ...v2, steps: v2.steps.map((step) => (step.id === 'log' ? { ...step, command: 'echo all done' } : step)) };
    const proposal = await stack.api('POST', '/api/tools/call', {
      name: 'workflows:sync_workflow',
      arguments: { id, definition: proposed, proposeOnly: true, summary: 'Say when it is all done' },
    });
    expect(proposal.status, JSON.stringify(proposal.body)).toBe(200);
    await page.goto(`${stack.url}/automation/workflows/${id}`);
    const card = page.getByTestId('proposals');
    await card.getByText('Say when it is all done').waitFor({ timeout: 15_000 });
    await card.getByRole('button', { name: 'Show changes' }).click();
    const proposedSide = card.locator('[data-side="after"]');
    await proposedSide.locator('.react-flow__node[data-id="log"] [data-diff="changed"]').waitFor({ timeout: 15_000 });
    expect(await marks(proposedSide)).toEqual({ log: 'changed' });
    await card.scrollIntoViewIfNeeded();
    console.log(`screenshot: ${await stack.screenshot(page, 'proposal-compare')}`);
  });
});
