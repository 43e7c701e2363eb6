/**
 * Benchmark harness page: mounts the real <WorkflowDiagram> (client/src) in headless Chromium and
 * times it. Driven by `../diagram-bench.ts` through `window.diagramBench`; nothing runs on load.
 */
import '../../src/base-styles';
import type { ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import type { WorkflowDefinition } from '@weft/shared';
import type { DiagramMode } from '../../src/diagram/diagram-types';
import { layoutWorkflow } from '../../src/diagram/layout';
import { nodeTypes } from '../../src/diagram/node-types';
import { WorkflowDiagram } from '../../src/diagram/WorkflowDiagram';
import { createStepStatusStore, type StepState, type StepStatusStore } from '../../src/store/step-status-store';
import { nodeRenders } from './count-step-display';

/** What a complete first render contains, from `layoutWorkflow` run in Node. */
export type Expected = { nodes: number; edges: number; steps: number };
export type Target = { stepId: string; loopIds: string[] };

export type MountTiming = {
  /** From `root.render` to every node (steps and end markers) in the DOM. */
  nodesMs: number;
  /** ... to every edge in the DOM (React Flow draws edges once handles are measured). */
  edgesMs: number;
  /** ... to the frame holding both being painted (rAF, then the next task). */
  paintedMs: number;
  stepNodes: number;
  edges: number;
  /** Node component renders (calls of useStepDisplay) during the mount, in all and by the time nodes and edges were in the DOM. */
  nodeRenders: number;
  nodeRendersAtNodes: number;
  nodeRendersAtEdges: number;
  /** React Flow's viewport transform after the mount (AutoFit ran). */
  viewport: string | null;
};

const stage = document.getElementById('stage')!;

const now = () => performance.now();
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
/** Resolves after the next frame is painted: rAF runs just before paint, the next task after it. */
const afterPaint = () => new Promise<number>((resolve) => requestAnimationFrame(() => void nextTask().then(() => resolve(now()))));
const totalRenders = () => [...nodeRenders.values()].reduce((a, b) => a + b, 0);

function waitFor(
  root: Element,
  ready: () => boolean,
  what: string,
  { attributes = false, timeoutMs = 20_000, onReady }: { attributes?: boolean; timeoutMs?: number; onReady?: () => void } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    if (ready()) {
      onReady?.();
      return resolve(now());
    }
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const observer = new MutationObserver(() => {
      if (!ready()) return;
      const at = now();
      observer.disconnect();
      clearTimeout(timer);
      onReady?.();
      resolve(at);
    });
    observer.observe(root, { childList: true, subtree: true, ...(attributes ? { attributes: true, attributeFilter: ['data-status'] } : {}) });
  });
}

type Mounted = { host: HTMLElement; timing: MountTiming; unmount(): void };

async function mountDiagram(definition: WorkflowDefinition, expected: Expected, mode: DiagramMode, store?: StepStatusStore): Promise<Mounted> {
  (window as { gc?: () => void }).gc?.();
  await nextTask();
  const host = document.createElement('div');
  host.style.cssText = 'width:100%;height:100%';
  stage.append(host);
  const root = createRoot(host);
  nodeRenders.clear();
  performance.clearMarks();

  // Marks show up in a performance trace, so the driver can split one mount into phases.
  let rendersAtNodes = 0;
  let rendersAtEdges = 0;
  const nodesReady = waitFor(host, () => host.querySelectorAll('.react-flow__node').length >= expected.nodes, `${expected.nodes} nodes`, {
    onReady: () => {
      performance.mark('diagram:nodes');
      rendersAtNodes = totalRenders();
    },
  });
  const edgesReady = waitFor(host, () => host.querySelectorAll('.react-flow__edge').length >= expected.edges, `${expected.edges} edges`, {
    onReady: () => {
      performance.mark('diagram:edges');
      rendersAtEdges = totalRenders();
    },
  });
  performance.mark('diagram:render');
  const start = now();
  // Every node mounted, as before large diagrams rendered only what is in view: this bench times the full mount.
  root.render(<WorkflowDiagram definition={definition} mode={mode} visibleOnlyFrom={Number.POSITIVE_INFINITY} {...(store ? { statusStore: store } : {})} />);
  const [nodesAt, edgesAt] = await Promise.all([nodesReady, edgesReady]);
  const paintedAt = await afterPaint();
  performance.mark('diagram:painted');

  const timing: MountTiming = {
    nodesMs: nodesAt - start,
    edgesMs: edgesAt - start,
    paintedMs: paintedAt - start,
    stepNodes: host.querySelectorAll('.react-flow__node:not([data-id^="@"])').length,
    edges: host.querySelectorAll('.react-flow__edge').length,
    nodeRenders: totalRenders(),
    nodeRendersAtNodes: rendersAtNodes,
    nodeRendersAtEdges: rendersAtEdges,
    viewport: host.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform ?? null,
  };
  if (timing.stepNodes !== expected.steps) throw new Error(`expected ${expected.steps} step nodes, found ${timing.stepNodes}`);
  return {
    host,
    timing,
    unmount() {
      root.unmount();
      host.remove();
    },
  };
}

const T0 = Date.UTC(2025, 0, 1, 10, 0, 0);
const succeeded = (t: Target): StepState => ({
  stepId: t.stepId,
  iterationPath: t.loopIds.map((loopId) => `${loopId}[0]`).join('/'),
  status: 'succeeded',
  attempt: 1,
  startedAt: new Date(T0).toISOString(),
  finishedAt: new Date(T0 + 1500).toISOString(),
});
const stepElement = (host: Element, stepId: string) => host.querySelector(`[data-step-id="${CSS.escape(stepId)}"]`);
const summarise = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN, max: sorted.at(-1) ?? NaN };
};

const diagramBench = {
  /** One fresh mount, measured, then unmounted. */
  async mount(definition: WorkflowDefinition, expected: Expected, mode: DiagramMode = 'view'): Promise<MountTiming> {
    const mounted = await mountDiagram(definition, expected, mode);
    mounted.unmount();
    await nextTask();
    return mounted.timing;
  },

  /**
   * Diagnostic, run once outside the timed mounts: which props React Flow passes a node component
   * changed between its renders during a mount (the node components are memoized, so a re-render
   * means a prop changed). Temporarily wraps every entry of the module-level `nodeTypes`.
   */
  async nodePropChanges(definition: WorkflowDefinition, expected: Expected) {
    const originals = { ...nodeTypes };
    const previous = new Map<string, Record<string, unknown>>();
    const changed: Record<string, number> = {};
    let wrapperRenders = 0;
    for (const [type, Component] of Object.entries(originals)) {
      const Inner = Component as ComponentType<Record<string, unknown>>;
      nodeTypes[type] = ((props: Record<string, unknown>) => {
        wrapperRenders++;
        const id = String(props.id);
        const before = previous.get(id);
        if (before !== undefined) {
          for (const key of new Set([...Object.keys(before), ...Object.keys(props)])) {
            if (!Object.is(before[key], props[key])) changed[key] = (changed[key] ?? 0) + 1;
          }
        }
        previous.set(id, props);
        return <Inner {...props} />;
      }) as (typeof nodeTypes)[string];
    }
    try {
      const mounted = await mountDiagram(definition, expected, 'view');
      mounted.unmount();
      return { nodes: previous.size, wrapperRenders, nodeRenders: mounted.timing.nodeRenders, changedProps: changed };
    } finally {
      Object.assign(nodeTypes, originals);
    }
  },

  /** `layoutWorkflow` alone, in the page, `runs` times (ms each). */
  layout(definition: WorkflowDefinition, runs: number): number[] {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = now();
      layoutWorkflow(definition);
      times.push(now() - start);
    }
    return times;
  },

  /**
   * Live status through the step-status store on a runtime-mode diagram:
   * (1) single events, each to a top-level or branch step, timed to commit and paint;
   * (2) one event per step (300) applied in one task, as a backlog arriving at once;
   * (3) one event per step, each in its own task, as a live stream delivers them.
   */
  async status(definition: WorkflowDefinition, expected: Expected, targets: Target[], singles: number) {
    const all = targets.length;

    const storeA = createStepStatusStore();
    const a = await mountDiagram(definition, expected, 'runtime', storeA);
    const outside = targets.filter((t) => t.loopIds.length === 0);
    const picks = Array.from({ length: singles }, (_, i) => outside[Math.floor(((i + 0.5) * outside.length) / singles)]!);
    const single: { commitMs: number; paintedMs: number; nodeRenders: number; nodesRendered: number }[] = [];
    for (const target of picks) {
      await afterPaint();
      nodeRenders.clear();
      const el = stepElement(a.host, target.stepId);
      if (el === null) throw new Error(`no node for ${target.stepId}`);
      const start = now();
      storeA.apply(succeeded(target));
      const commitAt = await waitFor(a.host, () => el.getAttribute('data-status') === 'succeeded', `${target.stepId} to show succeeded`, { attributes: true });
      const paintedAt = await afterPaint();
      single.push({ commitMs: commitAt - start, paintedMs: paintedAt - start, nodeRenders: totalRenders(), nodesRendered: nodeRenders.size });
    }
    a.unmount();

    const allShown = (host: Element) => () => host.querySelectorAll('[data-step-id][data-status="succeeded"]').length >= all;

    const storeB = createStepStatusStore();
    const b = await mountDiagram(definition, expected, 'runtime', storeB);
    await afterPaint();
    nodeRenders.clear();
    let start = now();
    for (const target of targets) storeB.apply(succeeded(target));
    const appliedAt = now();
    let commitAt = await waitFor(b.host, allShown(b.host), `${all} nodes to show succeeded`, { attributes: true });
    let paintedAt = await afterPaint();
    const batch = {
      events: all,
      applyMs: appliedAt - start,
      commitMs: commitAt - start,
      paintedMs: paintedAt - start,
      nodeRenders: totalRenders(),
      nodesRendered: nodeRenders.size,
    };
    b.unmount();

    const storeC = createStepStatusStore();
    const c = await mountDiagram(definition, expected, 'runtime', storeC);
    await afterPaint();
    nodeRenders.clear();
    start = now();
    for (const target of targets) {
      await nextTask();
      storeC.apply(succeeded(target));
    }
    commitAt = await waitFor(c.host, allShown(c.host), `${all} nodes to show succeeded`, { attributes: true });
    paintedAt = await afterPaint();
    const stream = {
      events: all,
      commitMs: commitAt - start,
      paintedMs: paintedAt - start,
      perEventMs: (commitAt - start) / all,
      nodeRenders: totalRenders(),
      nodesRendered: nodeRenders.size,
    };
    c.unmount();

    return {
      runtimeMountMs: [a.timing.paintedMs, b.timing.paintedMs, c.timing.paintedMs],
      single: {
        events: single.length,
        commitMs: summarise(single.map((s) => s.commitMs)),
        paintedMs: summarise(single.map((s) => s.paintedMs)),
        nodeRendersPerEvent: summarise(single.map((s) => s.nodeRenders)),
        distinctNodesPerEvent: summarise(single.map((s) => s.nodesRendered)),
      },
      batch,
      stream,
    };
  },
};

export type DiagramBench = typeof diagramBench;
(window as unknown as { diagramBench: DiagramBench }).diagramBench = diagramBench;
