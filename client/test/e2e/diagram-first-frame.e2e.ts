import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './harness';

/**
 * The diagram's first painted frame is its fitted one: no frame at React Flow's default viewport
 * (top-left, zoom 1) before the fit. Recorded in real Chromium in requestAnimationFrame callbacks,
 * which run just before each paint.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ runner: false });
});

afterAll(async () => {
  await stack?.stop();
});

describe('workflow diagram, first frame', () => {
  it('paints the diagram fitted from its first frame on', async () => {
    const steps = Array.from({ length: 4 }, (_, i) => ({ id: `s${i + 1}`, type: 'notify', message: `step ${i + 1}` }));
    const created = await stack.api('POST', '/api/workflows', { definition: { name: 'Four notes', steps } });
    expect(created.status).toBe(201);

    const page = await stack.newPage();
    await page.addInitScript(() => {
      const frames: string[] = [];
      (window as unknown as { __viewportFrames: string[] }).__viewportFrames = frames;
      const record = () => {
        const viewport = document.querySelector<HTMLElement>('.wf-diagram .react-flow__viewport');
        if (viewport) frames.push(viewport.style.transform);
        if (frames.length < 30) requestAnimationFrame(record);
      };
      requestAnimationFrame(record);
    });
    await page.goto(`${stack.url}/automation/workflows/${created.body.id}`);
    await page.locator('.react-flow__node[data-id="s4"]').waitFor({ timeout: 30_000 });
    const frames = await until(
      () => page.evaluate(() => (window as unknown as { __viewportFrames: string[] }).__viewportFrames).then((f) => (f.length >= 10 ? f : undefined)),
      'ten painted frames of the diagram',
    );
    // The pane is wider than four steps: a fitted diagram is centred, never at the default viewport.
    expect(frames[0]).not.toBe('translate(0px, 0px) scale(1)');
    expect(new Set(frames).size).toBe(1);
  });
});
