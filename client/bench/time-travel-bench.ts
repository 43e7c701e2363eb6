/**
 * The time-travel benchmark (driven by `bench/time-travel.bench.ts`, i.e. `pnpm bench time-travel`).
 *
 * A generated 1,000-step run with 10,000 journal events is scrubbed in real headless Chromium: the
 * harness page (`time-travel-harness/`, built here with Vite, production mode) renders the run
 * page's replay, diagram, step trace and timeline; every seek is timed from the seek to its frame
 * painted. Two patterns: a drag (small moves along the run, as a pointer makes) and random jumps
 * (keyboard Home/End, links). Lives under client/ so vite, the React plugin and playwright-core resolve.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/chromium';
import type { Part, SeekTimings, TimeTravelBench } from './time-travel-harness/main';

const HARNESS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'time-travel-harness');
export const STEPS = 1000;
export const EVENTS_PER_STEP = 10;
export const FRAME_BUDGET_MS = 16;
const WARMUP = 20;
const DRAG_SEEKS = 200;
const JUMP_SEEKS = 100;
const PART_SEEKS = 40;
export const UNTHROTTLED = ['--disable-frame-rate-limit', '--disable-gpu-vsync'];

type Stats = { median: number; p95: number; max: number };
const round = (n: number) => Math.round(n * 10) / 10;
function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  return { median: round(at(50)), p95: round(at(95)), max: round(sorted.at(-1) ?? 0) };
}
const log = (line: string) => process.stderr.write(`[time-travel] ${line}\n`);

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((done) => server.close(() => done())) });
    }),
  );
}

/** A seeded sequence, so runs are comparable. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function runTimeTravelBench(): Promise<Record<string, unknown>> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set WEFT_CHROMIUM)`);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-time-travel-bench-'));
  const loadBefore = os.loadavg().map(round);
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    await build({
      root: HARNESS,
      configFile: false,
      logLevel: 'silent',
      mode: 'production',
      plugins: [react()],
      build: { outDir, emptyOutDir: true, reportCompressedSize: false },
    });
    server = await serve(outDir);
    // Frames unthrottled: with vsync a seek's frame waits for the next 16.7 ms tick whatever its work,
    // so "to the frame painted" could never read below 16 ms. Unthrottled, it is the frame's work:
    // React's render and commit, style, layout and paint.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS, ...UNTHROTTLED] });
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(server.url);
    await page.waitForFunction(() => 'timeTravelBench' in window);
    type Harness = { timeTravelBench: TimeTravelBench };
    const next = random(22);
    const mount = (parts: readonly Part[]) =>
      page.evaluate(([s, e, p]) => (window as unknown as Harness).timeTravelBench.mount(s, e, p), [STEPS, EVENTS_PER_STEP, parts] as const);
    const seek = (counts: number[]) => page.evaluate((c) => (window as unknown as Harness).timeTravelBench.seek(c), counts) as Promise<SeekTimings>;
    const dragSeeks = (n: number, total: number) => Array.from({ length: n }, (_, i) => Math.round(((i + 1) / n) * total));
    const jumpSeeks = (n: number, total: number) => Array.from({ length: n }, () => Math.floor(next() * total));

    const mounted = await mount(['diagram', 'trace', 'timeline']);
    log(`mounted: ${JSON.stringify(mounted)}`);
    const total = mounted.events;
    await seek(jumpSeeks(WARMUP, total));
    // A drag: the pointer crosses the track in small steps, 1/200 of the run each (50 events here).
    const drag = await seek(dragSeeks(DRAG_SEEKS, total));
    const jumps = await seek(jumpSeeks(JUMP_SEEKS, total));
    const dragFrames = stats(drag.frameMs);
    const jumpFrames = stats(jumps.frameMs);
    log(`drag ${JSON.stringify(dragFrames)}; jumps ${JSON.stringify(jumpFrames)}`);
    // Where a frame's time goes: each part alone, fewer seeks.
    const parts: Record<string, { drag: Stats; jumps: Stats }> = {};
    for (const part of ['diagram', 'trace', 'timeline'] as const) {
      await mount([part]);
      await seek(jumpSeeks(5, total));
      parts[part] = { drag: stats((await seek(dragSeeks(PART_SEEKS, total))).frameMs), jumps: stats((await seek(jumpSeeks(PART_SEEKS, total))).frameMs) };
      log(`${part} alone: ${JSON.stringify(parts[part])}`);
    }
    // The worst case for the diagram: zoomed out as far as it goes (the wheel, as a person would),
    // so the most nodes are in view and every one of them is rendered.
    await mount(['diagram']);
    await page.mouse.move(430, 280);
    for (let i = 0; i < 40; i++) await page.mouse.wheel(0, 300);
    await page.waitForTimeout(500);
    const { nodesRendered, zoom } = await page.evaluate(() => ({
      nodesRendered: document.querySelectorAll('.react-flow__node').length,
      zoom: Number(/scale\(([\d.]+)\)/.exec(document.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform ?? '')?.[1] ?? Number.NaN),
    }));
    await seek(jumpSeeks(5, total));
    const zoomedOut = {
      nodesRendered,
      zoom,
      drag: stats((await seek(dragSeeks(PART_SEEKS, total))).frameMs),
      jumps: stats((await seek(jumpSeeks(PART_SEEKS, total))).frameMs),
    };
    log(`diagram zoomed out: ${JSON.stringify(zoomedOut)}`);
    return {
      goal: { budgetMs: FRAME_BUDGET_MS, dragP95Met: dragFrames.p95 <= FRAME_BUDGET_MS, jumpP95Met: jumpFrames.p95 <= FRAME_BUDGET_MS },
      run: { steps: STEPS, topLevelSteps: mounted.steps, events: total, attempts: mounted.runs, mountMs: round(mounted.mountMs) },
      drag: { seeks: DRAG_SEEKS, frameMs: dragFrames, renderMs: stats(drag.renderMs), replayMs: stats(drag.applyMs) },
      jumps: { seeks: JUMP_SEEKS, frameMs: jumpFrames, renderMs: stats(jumps.renderMs), replayMs: stats(jumps.applyMs) },
      parts: { seeks: PART_SEEKS, ...parts },
      zoomedOut,
      environment: { chromium: browser.version(), flags: UNTHROTTLED.join(' '), loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg().map(round) },
      pageErrors: errors.slice(0, 10),
    };
  } finally {
    await browser?.close();
    await server?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}
