/**
 * Time travel on the run page: scrubbing a 1,000-step, 10,000-event run in headless Chromium, the
 * frame time of every seek (replay + diagram + step trace + timeline, to the frame painted). The
 * work is in client/bench/time-travel-bench.ts, where the client's dependencies resolve.
 */
import { EVENTS_PER_STEP, FRAME_BUDGET_MS, runTimeTravelBench, STEPS } from '../client/bench/time-travel-bench';

export const title = `Time travel: scrubbing a ${STEPS}-step, ${STEPS * EVENTS_PER_STEP}-event run`;

export function run(): Promise<Record<string, unknown>> {
  return runTimeTravelBench();
}

type Stats = { median: number; p95: number; max: number };

export function markdown(r: Record<string, any>): string {
  const row = (label: string, seeks: number, f: Stats, render: Stats, replay: Stats) =>
    `| ${label} | ${seeks} | ${f.median} ms | ${f.p95} ms | ${f.max} ms | ${render.median} / ${render.p95} ms | ${replay.median} / ${replay.p95} ms |`;
  return [
    `**Goal: every seek's frame within ${FRAME_BUDGET_MS} ms: drag p95 ${r.goal.dragP95Met ? 'yes' : 'NO'}, jumps p95 ${r.goal.jumpP95Met ? 'yes' : 'NO'}.**`,
    '',
    `Run: ${r.run.steps} steps (${r.run.topLevelSteps} at the top level), ${r.run.events} journal events (running, log lines, finished per step; one in 50 failed), ${r.run.attempts} attempts; harness mount ${r.run.mountMs} ms. Replay checkpoints every 64 events. Chromium ${r.environment.chromium} headless, Vite production build of the real replay, \`WorkflowDiagram\` (runtime), \`StepTrace\` and \`RunTimeline\` (\`client/bench/time-travel-harness\`). A seek is timed from the new position (rendered with \`flushSync\`) to its frame painted (rAF, then the next task), with Chromium's frame rate unthrottled (\`${r.environment.flags}\`) so the time is the frame's work, not the wait for the next 16.7 ms vsync. Load average ${r.environment.loadAverageBefore.join(' / ')} before, ${r.environment.loadAverageAfter.join(' / ')} after (the machine is shared).`,
    '',
    '| seeks | count | frame median | frame p95 | frame max | of which React render + commit, median / p95 | replay (`stateAfter`) median / p95 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('drag: 1/200 of the run per move', r.drag.seeks, r.drag.frameMs, r.drag.renderMs, r.drag.replayMs),
    row('random jumps', r.jumps.seeks, r.jumps.frameMs, r.jumps.renderMs, r.jumps.replayMs),
    '',
    `Each part alone (${r.parts.seeks} seeks of each kind), frame median / p95: ${(['diagram', 'trace', 'timeline'] as const)
      .map((p) => `${p} drag ${r.parts[p].drag.median} / ${r.parts[p].drag.p95} ms, jumps ${r.parts[p].jumps.median} / ${r.parts[p].jumps.p95} ms`)
      .join('; ')}.`,
    '',
    `The diagram alone zoomed out as far as it goes (mouse wheel, zoom ${r.zoomedOut.zoom}; ${r.zoomedOut.nodesRendered} nodes rendered): drag ${r.zoomedOut.drag.median} / ${r.zoomedOut.drag.p95} ms, jumps ${r.zoomedOut.jumps.median} / ${r.zoomedOut.jumps.p95} ms.`,
    ...(r.pageErrors?.length ? ['', `Page errors: ${(r.pageErrors as string[]).map((e) => `\`${e}\``).join('; ')}`] : []),
  ].join('\n');
}
