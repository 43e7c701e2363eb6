import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * Time travel end to end: a run whose first step succeeds and second fails, opened with `?at=`
 * between them, shows the first step succeeded and the second not finished; the playhead moved to
 * the end with the keyboard shows the second failed. Real server, runner, journal and Chromium.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const statusOf = (page: Awaited<ReturnType<Stack['newPage']>>, stepId: string) =>
  page.locator(`.react-flow__node[data-id="${stepId}"] [data-status]`).first().getAttribute('data-status');

it('the playhead at chosen instants shows the statuses the run had then', async () => {
  const wf = await stack.api('POST', '/api/workflows', {
    definition: {
      name: 'Two steps',
      steps: [
        { id: 'first', type: 'bash', command: 'echo first done' },
        { id: 'second', type: 'bash', command: 'sleep 1.5; echo about to fail; exit 3' },
      ],
    },
  });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  const run = await stack.api('POST', `/api/workflows/${wf.body.id}/run`, {});
  expect(run.status).toBe(202);
  const id = run.body.executionId as string;
  const finished = await until(async () => {
    const ex = (await stack.api('GET', `/api/executions/${id}`)).body;
    return ex.status === 'failed' ? ex : undefined;
  }, 'the run to fail');
  const first = finished.steps.find((s: { stepId: string }) => s.stepId === 'first');
  const second = finished.steps.find((s: { stepId: string }) => s.stepId === 'second');
  expect(first.status).toBe('succeeded');
  expect(second.status).toBe('failed');
  // Halfway between the first step's end and the second's: the second had started and was running.
  const between = new Date((Date.parse(first.finishedAt) + Date.parse(second.finishedAt)) / 2).toISOString();

  const page = await stack.newPage();
  await page.goto(`${stack.url}/automation/executions/${id}?at=${encodeURIComponent(between)}`);
  const slider = page.getByRole('slider', { name: 'Playhead' });
  await slider.waitFor({ timeout: 30_000 });
  await page.getByText(/^Showing the run at /).waitFor({ timeout: 30_000 });
  await until(async () => ((await statusOf(page, 'first')) === 'succeeded' ? true : undefined), 'the first step shown succeeded');
  expect(['running', 'pending', 'none']).toContain(await statusOf(page, 'second'));
  expect(await page.locator('.trace__row[data-status="failed"]').count()).toBe(0);
  expect(await page.locator('.trace__row[data-status="succeeded"]').count()).toBe(1);
  // The slider names the instant; the address keeps it.
  expect(await slider.getAttribute('aria-valuetext')).toContain(between.slice(11, 19));
  expect(new URL(page.url()).searchParams.get('at')).toBe(between);
  // The run is over: no cancel offered while the page shows its past.
  expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
  await stack.screenshot(page, 'time-travel-between');

  // A seek is rendered at the next animation frame (seeks are coalesced per frame): after a key,
  // wait for the playhead to move before reading the diagram, or the next key sees a newer instant.
  const press = async (key: string) => {
    const before = await slider.getAttribute('aria-valuenow');
    await page.keyboard.press(key);
    await until(async () => ((await slider.getAttribute('aria-valuenow')) !== before ? true : undefined), `the playhead to move on ${key}`);
  };

  // ← steps to the previous event: never later than where it was, so still no failure.
  await slider.focus();
  await press('ArrowLeft');
  expect(await statusOf(page, 'second')).not.toBe('failed');

  // End returns to the end of the run: the second step failed, the page is live, the address plain.
  await page.keyboard.press('End');
  await until(async () => ((await statusOf(page, 'second')) === 'failed' ? true : undefined), 'the second step shown failed');
  await page.getByText('Showing the run as it is now').waitFor();
  expect(await page.locator('.trace__row[data-status="failed"]').count()).toBe(1);
  await until(async () => (new URL(page.url()).searchParams.has('at') ? undefined : true), 'the address to drop ?at=');

  // Home: before the first event nothing had run.
  await page.keyboard.press('Home');
  await until(async () => ((await statusOf(page, 'first')) !== 'succeeded' ? true : undefined), 'the first step shown not yet run');
  // → steps forward event by event until the first step's success shows, before the second fails.
  for (let i = 0; i < 50 && (await statusOf(page, 'first')) !== 'succeeded'; i++) await press('ArrowRight');
  expect(await statusOf(page, 'first')).toBe('succeeded');
  expect(await statusOf(page, 'second')).not.toBe('failed');

  // A drag to the track's right end is the end of the run again.
  const track = page.locator('.run-timeline__track');
  const box = await track.boundingBox();
  if (box === null) throw new Error('no timeline track');
  await page.mouse.move(box.x + box.width / 3, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width + 20, box.y + 5, { steps: 5 });
  await page.mouse.up();
  await until(async () => ((await statusOf(page, 'second')) === 'failed' ? true : undefined), 'the drag to the end to show the failure');
  await stack.screenshot(page, 'time-travel-end');
}, 120_000);
