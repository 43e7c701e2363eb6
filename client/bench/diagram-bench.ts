/**
 * The <WorkflowDiagram> benchmark (driven by `bench/diagram.bench.ts`, i.e. `pnpm bench diagram`).
 *
 * For a generated, validated 300-step workflow:
 * (a) `layoutWorkflow` (dagre) in Node: median/p95 over 20 runs after warm-up;
 * (b) first render in real headless Chromium: the harness page (`diagram-harness/`, built here
 *     with Vite's JS API, production mode) mounts <WorkflowDiagram definition mode="view"> and
 *     times `root.render` -> every node and edge in the DOM -> that frame painted; 10 fresh
 *     mounts after 2 warm-ups, plus the first mount of fresh pages (cold JIT);
 * (c) live status through the step-status store on a runtime-mode diagram, with node renders
 *     counted (the harness build swaps in a counting `useStepDisplay`);
 * plus one CPU-profiled mount and one traced mount, to say where the time goes.
 *
 * Lives under client/ so that vite, the React plugin and playwright-core resolve from the client's
 * dependencies. Nothing here is installed on the fly.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Plugin } from 'vite';
import { layoutWorkflow } from '../src/diagram/layout';
import type { DiagramBench, Expected, MountTiming } from './diagram-harness/main';
import { describeWorkflow, largeWorkflow } from './workflow-fixture';
import { CHROMIUM, CHROMIUM_FLAGS as BASE_CHROMIUM_FLAGS } from '../test/chromium';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.dirname(HERE);
const HARNESS = path.join(HERE, 'diagram-harness');
const COUNTER = path.join(HARNESS, 'count-step-display.ts');
const STEP_DISPLAY = path.join(CLIENT, 'src', 'diagram', 'use-step-display.ts');

const CHROMIUM_FLAGS = [
  ...BASE_CHROMIUM_FLAGS,
  // Lets the harness collect garbage between mounts, so one mount's garbage is not billed to the next.
  '--js-flags=--expose-gc',
];
const VIEWPORT = { width: 1400, height: 900 };

export const STEPS = 300;
export const GOAL_MS = 300;
const LAYOUT_WARMUP = 5;
const LAYOUT_RUNS = 20;
const MOUNT_WARMUP = 2;
const MOUNT_RUNS = 10;
const COLD_PAGES = 3;
const SINGLE_EVENTS = 20;

type Stats = { median: number; p95: number; min: number; max: number };

const round = (n: number) => Math.round(n * 10) / 10;
function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { median: round(at(50)), p95: round(at(95)), min: round(sorted[0]!), max: round(sorted.at(-1)!) };
}
const log = (line: string) => process.stderr.write(`[diagram] ${line}\n`);

/** Harness build: `useStepDisplay` imports inside client/src resolve to the counting wrapper. */
const countNodeRenders: Plugin = {
  name: 'weft-bench-count-node-renders',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (importer === undefined || importer === COUNTER || !source.includes('use-step-display')) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved?.id === STEP_DISPLAY ? COUNTER : null;
  },
};

/** One chunk per origin, so a CPU profile's self time can be split by URL. */
function chunkOf(id: string): string | undefined {
  const pkg = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id)?.[1];
  if (pkg !== undefined) {
    if (pkg === 'react' || pkg === 'react-dom' || pkg === 'scheduler') return 'react';
    if (pkg.startsWith('@xyflow/') || pkg.startsWith('d3-') || pkg === 'zustand' || pkg === 'classcat' || pkg === 'use-sync-external-store') return 'xyflow';
    if (pkg === '@dagrejs/dagre' || pkg === '@dagrejs/graphlib') return 'dagre';
    return 'other-deps';
  }
  if (id.includes('/shared/src/')) return 'weft-shared';
  if (id.includes('/client/src/diagram/')) return 'weft-diagram';
  if (id.includes('/client/src/')) return 'weft-client';
  return undefined;
}

async function buildHarness(outDir: string): Promise<number> {
  const start = performance.now();
  await build({
    root: HARNESS,
    configFile: false,
    logLevel: 'silent',
    mode: 'production',
    plugins: [countNodeRenders, react()],
    build: {
      outDir,
      emptyOutDir: true,
      // Unminified so profiles name functions; runtime cost is the same.
      minify: false,
      sourcemap: false,
      reportCompressedSize: false,
      rollupOptions: { output: { manualChunks: chunkOf } },
    },
  });
  return Math.round(performance.now() - start);
}

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

async function openHarness(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => 'diagramBench' in window);
  return page;
}

type Harness = { diagramBench: DiagramBench };
const mountOnce = (page: Page, definition: unknown, expected: Expected, mode: 'view' | 'runtime' = 'view') =>
  page.evaluate(([d, e, m]) => (window as unknown as Harness).diagramBench.mount(d as never, e, m), [
    definition,
    expected,
    mode,
  ] as const) as Promise<MountTiming>;

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/** Self time of one profiled mount, by chunk (origin) and by function. */
function summariseProfile(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  const bucketOf = (node: ProfileNode) => {
    const { url, functionName } = node.callFrame;
    if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
    const file = url.split('/').pop() ?? url;
    return /^index[-.]/.test(file) ? 'harness' : file.replace(/-[\w-]{8}\.js$/, '').replace(/\.js$/, '');
  };
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const bucket = bucketOf(node);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const key = `${node.callFrame.functionName || '(anonymous)'} [${bucket}:${node.callFrame.lineNumber + 1}]`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const ms = (us: number) => round(us / 1000);
  const sorted = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: ms(us) }));
  return { wallMs: ms(profile.endTime - profile.startTime), byOrigin: sorted(buckets, 20), topFunctions: sorted(functions, 15) };
}

type TraceEvent = { name: string; cat: string; ph: string; ts: number; dur?: number; tid: number; pid: number; args?: { name?: string } };

const TRACE_GROUPS: Record<string, readonly string[]> = {
  script: ['FunctionCall', 'EvaluateScript', 'v8.callFunction', 'V8.Execute', 'RunMicrotasks', 'FireAnimationFrame', 'TimerFire', 'EventDispatch'],
  style: ['UpdateLayoutTree', 'RecalculateStyles'],
  layout: ['Layout'],
  paint: ['PrePaint', 'Paint', 'Layerize', 'UpdateLayer', 'Commit'],
  gc: ['MinorGC', 'MajorGC', 'V8.GC_SCAVENGER', 'V8.GC_MARK_COMPACTOR', 'BlinkGC.AtomicPhase'],
};

/** Total time of the outermost events only (nested events of the same group are inside their parent). */
function outermost(events: TraceEvent[]): TraceEvent[] {
  const out: TraceEvent[] = [];
  let end = -Infinity;
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    if (e.ts < end) continue;
    out.push(e);
    end = e.ts + (e.dur ?? 0);
  }
  return out;
}

/**
 * Renderer main-thread time of one traced mount, split into the phases the harness marks:
 * render -> nodes in the DOM -> edges in the DOM -> painted. Style and layout run inside
 * script when something reads layout (forced), so they are also given separately.
 */
function summariseTrace(json: string) {
  const events = (JSON.parse(json) as { traceEvents: TraceEvent[] }).traceEvents;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (main === undefined) return { error: 'no renderer main thread in the trace' };
  const marks = new Map(events.filter((e) => e.name.startsWith('diagram:') && e.cat.includes('user_timing')).map((e) => [e.name, e.ts]));
  const bounds = ['diagram:render', 'diagram:nodes', 'diagram:edges', 'diagram:painted'].map((name) => marks.get(name));
  if (bounds.some((b) => b === undefined)) return { error: `missing marks: ${[...marks.keys()].join(', ')}` };
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined);
  const ofGroup = (group: string) => outermost(onMain.filter((e) => TRACE_GROUPS[group]!.includes(e.name)));
  const script = ofGroup('script');
  const insideScript = (e: TraceEvent) => script.some((s) => e.ts >= s.ts && e.ts < s.ts + (s.dur ?? 0));
  const phases = ['render -> nodes in DOM', 'nodes -> edges in DOM', 'edges -> painted'].map((phase, i) => {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    const within = (list: TraceEvent[]) => list.filter((e) => e.ts >= from && e.ts < to);
    const ms = (list: TraceEvent[]) => round(list.reduce((sum, e) => sum + (e.dur ?? 0), 0) / 1000);
    const style = within(ofGroup('style'));
    const layout = within(ofGroup('layout'));
    return {
      phase,
      wallMs: round((to - from) / 1000),
      scriptMs: ms(within(script)),
      styleMs: ms(style),
      layoutMs: ms(layout),
      forcedStyleLayoutMs: ms([...style, ...layout].filter(insideScript)),
      paintMs: ms(within(ofGroup('paint'))),
      gcMs: ms(within(ofGroup('gc'))),
    };
  });
  return { phases };
}

export async function runDiagramBench(): Promise<Record<string, unknown>> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set WEFT_CHROMIUM)`);
  const definition = largeWorkflow(STEPS);
  const { targets, ...workflow } = describeWorkflow(definition);
  const loadBefore = os.loadavg().map(round);

  // (a) layout in Node
  const coldStart = performance.now();
  const layout = layoutWorkflow(definition);
  const layoutColdMs = round(performance.now() - coldStart);
  for (let i = 0; i < LAYOUT_WARMUP; i++) layoutWorkflow(definition);
  const layoutTimes: number[] = [];
  for (let i = 0; i < LAYOUT_RUNS; i++) {
    const start = performance.now();
    layoutWorkflow(definition);
    layoutTimes.push(performance.now() - start);
  }
  const layoutNode = { warmup: LAYOUT_WARMUP, runs: LAYOUT_RUNS, coldMs: layoutColdMs, ...stats(layoutTimes) };
  log(`layout (node): ${JSON.stringify(layoutNode)}`);
  const expected: Expected = { nodes: layout.nodes.length, edges: layout.edges.length, steps: workflow.steps };

  // (b), (c) in Chromium
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-diagram-bench-'));
  const errors: string[] = [];
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    const buildMs = await buildHarness(outDir);
    log(`harness built in ${buildMs} ms`);
    server = await serve(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    const chromiumVersion = browser.version();

    const cold: MountTiming[] = [];
    const pages: Page[] = [];
    for (let i = 0; i < COLD_PAGES; i++) {
      const page = await openHarness(browser, server.url, errors);
      cold.push(await mountOnce(page, definition, expected));
      pages.push(page);
    }
    for (const page of pages.slice(1)) await page.context().close();
    const page = pages[0]!;
    log(`cold first mounts (ms to painted): ${cold.map((c) => round(c.paintedMs)).join(', ')}`);

    for (let i = 0; i < MOUNT_WARMUP; i++) await mountOnce(page, definition, expected);
    const mounts: MountTiming[] = [];
    for (let i = 0; i < MOUNT_RUNS; i++) mounts.push(await mountOnce(page, definition, expected));
    const firstRender = {
      mode: 'view',
      warmup: MOUNT_WARMUP,
      runs: MOUNT_RUNS,
      paintedMs: stats(mounts.map((m) => m.paintedMs)),
      nodesInDomMs: stats(mounts.map((m) => m.nodesMs)),
      edgesInDomMs: stats(mounts.map((m) => m.edgesMs)),
      coldPaintedMs: cold.map((c) => round(c.paintedMs)),
      stepNodes: mounts[0]!.stepNodes,
      edges: mounts[0]!.edges,
      nodeRendersPerMount: stats(mounts.map((m) => m.nodeRenders)),
      nodeRendersByNodesInDom: stats(mounts.map((m) => m.nodeRendersAtNodes)),
      nodeRendersByEdgesInDom: stats(mounts.map((m) => m.nodeRendersAtEdges)),
      viewport: mounts[0]!.viewport,
    };
    log(`first render (warm): ${JSON.stringify(firstRender.paintedMs)}`);

    const layoutBrowser = stats(
      (
        await page.evaluate(([d, n]) => (window as unknown as Harness).diagramBench.layout(d as never, n), [definition, LAYOUT_WARMUP + LAYOUT_RUNS] as const)
      ).slice(LAYOUT_WARMUP),
    );
    log(`layout (chromium): ${JSON.stringify(layoutBrowser)}`);

    const status = await page.evaluate(([d, e, t, n]) => (window as unknown as Harness).diagramBench.status(d as never, e, t, n), [
      definition,
      expected,
      targets,
      SINGLE_EVENTS,
    ] as const);
    log(`status: ${JSON.stringify(status)}`);

    const nodePropChanges = await page.evaluate(([d, e]) => (window as unknown as Harness).diagramBench.nodePropChanges(d as never, e), [
      definition,
      expected,
    ] as const);
    log(`node prop changes during a mount: ${JSON.stringify(nodePropChanges)}`);

    // Where the time goes: one CPU-profiled mount, then one traced mount (neither is in the figures above).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const profiledMount = await mountOnce(page, definition, expected);
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
    await cdp.send('Profiler.disable');
    await cdp.detach();
    const cpuProfile = { mountPaintedMs: round(profiledMount.paintedMs), ...summariseProfile(profile) };

    await browser.startTracing(page, { categories: ['devtools.timeline', 'v8', 'blink.user_timing'] });
    const tracedMount = await mountOnce(page, definition, expected);
    const trace = { mountPaintedMs: round(tracedMount.paintedMs), ...summariseTrace((await browser.stopTracing()).toString('utf8')) };
    log(`profile: ${JSON.stringify(cpuProfile.byOrigin.slice(0, 8))}; trace: ${JSON.stringify(trace)}`);

    const goal = {
      thresholdMs: GOAL_MS,
      measure: 'median, root.render -> all nodes and edges in the DOM -> frame painted, layout included (warm page)',
      medianMs: firstRender.paintedMs.median,
      met: firstRender.paintedMs.median < GOAL_MS,
      p95Met: firstRender.paintedMs.p95 < GOAL_MS,
      coldMet: cold.every((c) => c.paintedMs < GOAL_MS),
    };
    return {
      goal,
      workflow: {
        ...workflow,
        diagramNodes: layout.nodes.length,
        diagramEdges: layout.edges.length,
        layoutPx: { width: round(layout.width), height: round(layout.height) },
      },
      layoutNode,
      layoutChromium: { warmup: LAYOUT_WARMUP, runs: LAYOUT_RUNS, ...layoutBrowser },
      firstRender,
      status,
      nodePropChanges,
      cpuProfile,
      trace,
      environment: {
        chromium: chromiumVersion,
        viewport: VIEWPORT,
        diagramPx: { width: 1200, height: 800 },
        harnessBuildMs: buildMs,
        build: 'vite production build, unminified, split into chunks by origin',
        loadAverageBefore: loadBefore,
        loadAverageAfter: os.loadavg().map(round),
      },
      pageErrors: errors.slice(0, 10),
    };
  } finally {
    await browser?.close();
    await server?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}
