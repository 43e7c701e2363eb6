/**
 * Benchmark harness page: the run page's time-travel parts (the real replay, `<WorkflowDiagram>`
 * in runtime mode, `<StepTrace>` and `<RunTimeline>`) over a generated 1,000-step, 10,000-event run,
 * scrubbed by `../time-travel-bench.ts` through `window.timeTravelBench`. Nothing runs on load.
 */
import '../../src/base-styles';
import '../../src/executions/executions.css';
import { walkSteps, type JournalEventEnvelope, type StepRun, type WorkflowDefinition, type Execution } from '@weft/shared';
import { useLayoutEffect, useMemo, useState } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { WorkflowDiagram } from '../../src/diagram/WorkflowDiagram';
import { StepTrace } from '../../src/executions/StepTrace';
import { RunTimeline } from '../../src/executions/timeline/RunTimeline';
import { createReplay, firstState, type Replay } from '../../src/executions/timeline/replay';
import { createStepStatusStore } from '../../src/store/step-status-store';
import { largeWorkflow } from '../workflow-fixture';

/** Which parts of the page are rendered: all of them, or one alone to see where a frame's time goes. */
export type Part = 'diagram' | 'trace' | 'timeline';
export type SeekTimings = { seeks: number; frameMs: number[]; renderMs: number[]; applyMs: number[] };
export type TimeTravelBench = {
  mount(steps: number, eventsPerStep: number, parts: readonly Part[]): Promise<{ events: number; runs: number; steps: number; mountMs: number }>;
  /** Seeks to each event count in turn; per seek, the time from the seek to its frame painted. */
  seek(counts: number[]): Promise<SeekTimings>;
};

const now = () => performance.now();
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
const afterPaint = () => new Promise<number>((resolve) => requestAnimationFrame(() => void nextTask().then(() => resolve(now()))));

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(T0 + ms).toISOString();

/** A run of every step of `definition` in order: running, log lines, succeeded (one in 50 fails first and is retried). */
function journal(definition: WorkflowDefinition, eventsPerStep: number): { snapshot: Execution; events: JournalEventEnvelope[] } {
  const ids: string[] = [];
  walkSteps(definition.steps, ({ step }) => {
    ids.push(step.id);
  });
  const events: JournalEventEnvelope[] = [];
  let t = 0;
  const push = (type: string, data: unknown) => {
    t += 7;
    events.push({ topic: 'execution:ex_bench', seq: events.length + 1, type, at: iso(t), data });
  };
  const steps: StepRun[] = [];
  ids.forEach((stepId, i) => {
    const run = { executionId: 'ex_bench', stepId, iterationPath: '', attempt: 1 };
    const started = iso(t + 7);
    push('step.updated', { ...run, status: 'running', startedAt: started, finishedAt: null });
    for (let k = 0; k < eventsPerStep - 2; k++) push('step.log', { ...run, stream: 'stdout', text: `line ${k} of ${stepId}\n` });
    push('step.updated', { ...run, status: i % 50 === 49 ? 'failed' : 'succeeded', startedAt: started, finishedAt: iso(t + 7), output: { exitCode: 0 } });
    steps.push({ stepId, iterationPath: '', attempt: 1, status: i % 50 === 49 ? 'failed' : 'succeeded', startedAt: started, finishedAt: iso(t) });
  });
  const snapshot: Execution = {
    id: 'ex_bench',
    workflowId: 'wf_bench',
    workflowVersion: 1,
    workflowName: 'Bench',
    status: 'succeeded',
    inputs: {},
    trigger: null,
    sessionId: null,
    createdAt: iso(0),
    startedAt: iso(0),
    finishedAt: iso(t),
    steps,
  };
  return { snapshot, events };
}

type Scene = {
  parts: readonly Part[];
  definition: WorkflowDefinition;
  replay: Replay;
  start: number;
  end: number;
  times: number[];
  live: ReturnType<typeof firstState>;
};
let setCount: (count: number) => void = () => {};
const noop = () => {};
let applyMs = 0;

function TimeTravelPage({ scene }: { scene: Scene }) {
  const [count, set] = useState(scene.replay.events.length);
  setCount = set;
  const [store] = useState(createStepStatusStore);
  const state = useMemo(() => {
    const begin = now();
    const s = scene.replay.stateAfter(count);
    applyMs = now() - begin;
    return s;
  }, [scene, count]);
  useLayoutEffect(() => store.replaceAll([...state.runs.values()]), [store, state]);
  const runs = useMemo(() => [...state.runs.values()], [state]);
  const instant = count >= scene.replay.events.length ? null : (scene.times[count - 1] ?? scene.start);
  return (
    <>
      {/* Something changes on screen at every seek, as the run page's time text does: a frame
          with nothing to paint would be timed as the wait for the next vsync-paced one. */}
      <output className="tt-count">{count}</output>
      <div>
        {scene.parts.includes('diagram') && (
          <div className="tt-diagram">
            <WorkflowDiagram definition={scene.definition} mode="runtime" statusStore={store} aria-label="Run" />
          </div>
        )}
        {scene.parts.includes('timeline') && (
          <RunTimeline
            runs={scene.live.runs}
            approvals={scene.live.approvals}
            definition={scene.definition}
            start={scene.start}
            end={scene.end}
            instant={instant}
            eventTimes={scene.times}
            seek={() => {}}
            playing={null}
            play={() => {}}
            pause={() => {}}
            notice={null}
            pruned={false}
          />
        )}
      </div>
      <div className="tt-side">
        {scene.parts.includes('trace') && (
          <StepTrace definition={scene.definition} runs={runs} selectedStepId={null} onSelect={noop} follow={instant !== null} />
        )}
      </div>
    </>
  );
}

const stage = document.getElementById('stage') as HTMLElement;
const root = createRoot(stage);

const bench: TimeTravelBench = {
  async mount(stepCount, eventsPerStep, parts) {
    const begin = now();
    const definition = largeWorkflow(stepCount);
    const { snapshot, events } = journal(definition, eventsPerStep);
    const first = firstState(snapshot);
    const replay = createReplay(first, events);
    const times = replay.events.map((e) => Date.parse(e.at));
    const live = replay.stateAfter(events.length);
    const scene: Scene = { parts, definition, replay, start: T0, end: times.at(-1) ?? T0, times, live };
    flushSync(() => root.render(<TimeTravelPage key={parts.join()} scene={scene} />));
    await afterPaint();
    return { events: events.length, runs: live.runs.size, steps: definition.steps.length, mountMs: now() - begin };
  },
  async seek(counts) {
    const frameMs: number[] = [];
    const renderMs: number[] = [];
    const applies: number[] = [];
    for (const count of counts) {
      const begin = now();
      flushSync(() => setCount(count));
      renderMs.push(now() - begin);
      const painted = await afterPaint();
      frameMs.push(painted - begin);
      applies.push(applyMs);
    }
    return { seeks: counts.length, frameMs, renderMs, applyMs: applies };
  },
};
(window as unknown as { timeTravelBench: TimeTravelBench }).timeTravelBench = bench;
