/**
 * <WorkflowDiagram> with a 300-step workflow: dagre layout in Node, and layout + first render of
 * the real component in headless Chromium (a Vite-built harness page), plus live status updates
 * through the step-status store. The work is in client/bench/diagram-bench.ts, where the client's
 * dependencies (vite, the React plugin, playwright-core) resolve.
 */
import { GOAL_MS, STEPS, runDiagramBench } from '../client/bench/diagram-bench';

export const title = `Diagram: ${STEPS}-step workflow, layout and first render`;

export function run(): Promise<Record<string, unknown>> {
  return runDiagramBench();
}

type Stats = { median: number; p95: number; min: number; max: number };
type Spread = { median: number; max: number };

const ms = (n: number) => `${n} ms`;
const row = (label: string, s: Stats) => `| ${label} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.min)} | ${ms(s.max)} |`;

export function markdown(r: Record<string, any>): string {
  const goal = r.goal as { met: boolean; p95Met: boolean; coldMet: boolean; medianMs: number };
  const w = r.workflow as {
    steps: number;
    topLevel: number;
    byType: Record<string, number>;
    maxDepth: number;
    diagramNodes: number;
    diagramEdges: number;
    layoutPx: { width: number; height: number };
  };
  const f = r.firstRender as {
    paintedMs: Stats;
    nodesInDomMs: Stats;
    edgesInDomMs: Stats;
    coldPaintedMs: number[];
    stepNodes: number;
    edges: number;
    nodeRendersPerMount: Stats;
    nodeRendersByNodesInDom: Stats;
    nodeRendersByEdgesInDom: Stats;
    runs: number;
    warmup: number;
  };
  const s = r.status as {
    runtimeMountMs: number[];
    single: { events: number; commitMs: Spread; paintedMs: Spread; nodeRendersPerEvent: Spread; distinctNodesPerEvent: Spread };
    batch: { events: number; applyMs: number; commitMs: number; paintedMs: number; nodeRenders: number; nodesRendered: number };
    stream: { events: number; commitMs: number; paintedMs: number; perEventMs: number; nodeRenders: number; nodesRendered: number };
  };
  const p = r.cpuProfile as {
    mountPaintedMs: number;
    wallMs: number;
    byOrigin: { name: string; selfMs: number }[];
    topFunctions: { name: string; selfMs: number }[];
  };
  type Phase = {
    phase: string;
    wallMs: number;
    scriptMs: number;
    styleMs: number;
    layoutMs: number;
    forcedStyleLayoutMs: number;
    paintMs: number;
    gcMs: number;
  };
  const t = r.trace as { mountPaintedMs: number; phases?: Phase[]; error?: string };
  const env = r.environment as {
    chromium: string;
    viewport: { width: number; height: number };
    diagramPx: { width: number; height: number };
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  const r1 = (n: number) => Math.round(n * 10) / 10;

  return [
    `**Goal: ${w.steps}-step workflow: layout + first render under ${GOAL_MS} ms: ${goal.met ? 'yes' : 'NO'}** (median ${ms(goal.medianMs)} over ${f.runs} fresh mounts; p95 ${ms(f.paintedMs.p95)}${goal.p95Met ? '' : ' (over)'}; first mount on a fresh page ${f.coldPaintedMs.map(ms).join(', ')}${goal.coldMet ? '' : ' (over)'}).`,
    '',
    `Workflow: ${w.steps} steps (${w.topLevel} top level, nesting depth ${w.maxDepth}): ${Object.entries(w.byType)
      .map(([type, n]) => `${n} ${type}`)
      .join(
        ', ',
      )}; validated with \`validateWorkflowDefinition\`. Diagram: ${w.diagramNodes} nodes (with end markers), ${w.diagramEdges} edges, ${w.layoutPx.width} × ${w.layoutPx.height} px laid out.`,
    '',
    `Chromium ${env.chromium} headless (\`/usr/bin/chromium\`, --disable-gpu), viewport ${env.viewport.width} × ${env.viewport.height}, diagram ${env.diagramPx.width} × ${env.diagramPx.height}; harness = \`client/bench/diagram-harness\`, a Vite production build (React production) of the real \`WorkflowDiagram\` and \`styles.css\`. Load average ${env.loadAverageBefore.join(' / ')} before, ${env.loadAverageAfter.join(' / ')} after (the machine is shared).`,
    '',
    '### (a) Layout (`layoutWorkflow`, dagre)',
    '',
    '| where | median | p95 | min | max |',
    '| --- | ---: | ---: | ---: | ---: |',
    row(`Node ${process.version}, ${r.layoutNode.runs} runs after ${r.layoutNode.warmup} warm-up (first call ${ms(r.layoutNode.coldMs)})`, r.layoutNode),
    row(`Chromium page, ${r.layoutChromium.runs} runs after ${r.layoutChromium.warmup} warm-up`, r.layoutChromium),
    '',
    `### (b) First render of \`<WorkflowDiagram definition mode="view">\` in Chromium`,
    '',
    `${f.runs} fresh mounts (new root, unmounted after; GC between) after ${f.warmup} warm-up mounts; timed from \`root.render\`, so the layout is included. ${f.stepNodes} step nodes and ${f.edges} edges checked in the DOM every time.`,
    '',
    '| until | median | p95 | min | max |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('all nodes in the DOM', f.nodesInDomMs),
    row('all edges in the DOM', f.edgesInDomMs),
    row('**that frame painted**', f.paintedMs),
    '',
    `First mount on ${f.coldPaintedMs.length} fresh pages (cold JIT): ${f.coldPaintedMs.map(ms).join(', ')}. Node component renders per mount (median): ${f.nodeRendersPerMount.median}, of which ${f.nodeRendersByNodesInDom.median} by the time the nodes were in the DOM and ${f.nodeRendersByEdgesInDom.median} by the time the edges were.`,
    '',
    '### (c) Live status through the step-status store (runtime mode)',
    '',
    '| case | to DOM | to painted | node renders | distinct nodes rendered |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| one event (median of ${s.single.events}, max) | ${ms(r1(s.single.commitMs.median))} (${ms(r1(s.single.commitMs.max))}) | ${ms(r1(s.single.paintedMs.median))} (${ms(r1(s.single.paintedMs.max))}) | ${s.single.nodeRendersPerEvent.median} (max ${s.single.nodeRendersPerEvent.max}) | ${s.single.distinctNodesPerEvent.median} (max ${s.single.distinctNodesPerEvent.max}) |`,
    `| ${s.batch.events} events in one task (store: ${ms(r1(s.batch.applyMs))}) | ${ms(r1(s.batch.commitMs))} | ${ms(r1(s.batch.paintedMs))} | ${s.batch.nodeRenders} | ${s.batch.nodesRendered} |`,
    `| ${s.stream.events} events, one task each (${ms(r1(s.stream.perEventMs))} per event) | ${ms(r1(s.stream.commitMs))} | ${ms(r1(s.stream.paintedMs))} | ${s.stream.nodeRenders} | ${s.stream.nodesRendered} |`,
    '',
    `Every event sets one step to \`succeeded\` (iteration 0 inside loops; a loop group also re-renders when it first sees an iteration). Runtime-mode mounts: ${s.runtimeMountMs.map((n) => ms(r1(n))).join(', ')}.`,
    '',
    '### Where the time goes (one extra mount each, not in the figures above)',
    '',
    `Node components are memoized; during one mount React Flow rendered its node wrappers ${r.nodePropChanges.wrapperRenders} times for ${r.nodePropChanges.nodes} nodes, and these props changed between a node's renders: ${
      Object.entries(r.nodePropChanges.changedProps as Record<string, number>)
        .map(([k, n]) => `\`${k}\` ×${n}`)
        .join(', ') || 'none'
    }.`,
    '',
    `CPU profile (100 µs sampling) of a mount that took ${ms(p.mountPaintedMs)}; self time by origin: ${p.byOrigin
      .slice(0, 10)
      .map((b) => `${b.name} ${ms(b.selfMs)}`)
      .join(', ')}. \`(program)\` is browser work outside JavaScript (style, layout, paint).`,
    '',
    `Top functions (self): ${p.topFunctions
      .slice(0, 8)
      .map((fn) => `\`${fn.name}\` ${ms(fn.selfMs)}`)
      .join(', ')}.`,
    '',
    ...(t.phases === undefined
      ? [`Trace: ${t.error ?? 'no phases'}.`]
      : [
          `Trace of a mount that took ${ms(t.mountPaintedMs)}, renderer main thread, split at the harness's marks (script includes style/layout it forces by reading layout; that part is also in the style and layout columns):`,
          '',
          '| phase | wall | script | style | layout | of which forced | pre-paint/paint | GC |',
          '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...t.phases.map(
            (x) =>
              `| ${x.phase} | ${ms(x.wallMs)} | ${ms(x.scriptMs)} | ${ms(x.styleMs)} | ${ms(x.layoutMs)} | ${ms(x.forcedStyleLayoutMs)} | ${ms(x.paintMs)} | ${ms(x.gcMs)} |`,
          ),
        ]),
    ...(r.pageErrors?.length ? ['', `Page errors: ${(r.pageErrors as string[]).map((e) => `\`${e}\``).join('; ')}`] : []),
  ].join('\n');
}
