import {
  childBranches,
  effectiveMaxIterations,
  hasIterationScope,
  stepKey,
  walkSteps,
  type RunnerEvent,
  type Step,
  type WorkflowDefinition,
} from '@weft/shared';
import { memoBounded } from '../bounded-map';

/** A step of a stored version, as the gate checks see it. */
type GateStep = {
  step: Step;
  /** An approval step, or a container holding one at any depth. */
  holdsGate: boolean;
  /** The runner may report it skipped: it, or a step around it, has an `if`, or it sits in a conditional's branch. */
  skippable: boolean;
};

/** The steps of one stored version, by id; `hasGates` false when it has no approval step at all. */
export type GateIndex = { hasGates: boolean; steps: Map<string, GateStep> };

const VERSIONS_INDEXED = 256;

/**
 * Ids of the approval steps in `steps` (at any depth) and of every container that holds one: what
 * only the server resolves (below), and what a re-run never reuses, so that it passes each gate
 * only by a new decision (executions-service.ts).
 */
export function gatesAndTheirContainers(steps: readonly Step[]): Set<string> {
  const ids = new Set<string>();
  walkSteps(steps, ({ step, ancestors }) => {
    if (step.type !== 'approval') return;
    ids.add(step.id);
    for (const a of ancestors) ids.add(a.step.id);
  });
  return ids;
}

function indexOf(definition: Pick<WorkflowDefinition, 'steps'>): GateIndex {
  const gates = gatesAndTheirContainers(definition.steps);
  const steps = new Map<string, GateStep>();
  walkSteps(definition.steps, ({ step, ancestors }) => {
    const skippable = step.if !== undefined || ancestors.some((a) => a.step.if !== undefined || a.step.type === 'conditional');
    steps.set(step.id, { step, holdsGate: gates.has(step.id), skippable });
  });
  return { hasGates: gates.size > 0, steps };
}

/** Reads a step instance's record: its latest attempt's status, or null when it has none. */
export type StoredStatus = (stepId: string, iterationPath: string) => string | null;

export type GateCheck =
  | { type: 'ok' /** Seqs of reports of what the server itself already decided: acknowledged, not applied. */; ignore: Set<number> }
  | { type: 'refuse'; seq: number; message: string };

/**
 * Only the server resolves approval steps (people's decisions, timeouts), with the rules of the
 * execution's stored version. The runner credential may not: a runner's report that an approval
 * step succeeded (other than the server's own decision, repeated), that it was skipped where
 * nothing could skip it, that a container holding one finished while the gate inside did not, or
 * a wait that is not the step's own kind, is refused. A reported failure or cancel of an approval
 * step stops the run (it passes no gate), and is taken unless it would overwrite a decision.
 */
export function createApprovalGates(definitionOf: (workflowId: string, version: number) => unknown) {
  const gateIndex = memoBounded(VERSIONS_INDEXED, (key: string): GateIndex | null => {
    const at = key.indexOf('@');
    const definition = definitionOf(key.slice(at + 1), Number(key.slice(0, at))) as WorkflowDefinition | null;
    return definition ? indexOf(definition) : null;
  });

  return {
    /** The gate index of one stored version (null when the version is gone). */
    indexOf: (workflowId: string, version: number) => gateIndex(`${version}@${workflowId}`),

    /**
     * Checks the events a frame would apply, in order, before anything is applied. `stored` reads
     * the records the execution has; `storedAttempt` one attempt's status.
     */
    check({
      index,
      version,
      events,
      stored,
      storedAttempt,
    }: {
      index: GateIndex;
      version: number;
      events: readonly RunnerEvent[];
      stored: StoredStatus;
      storedAttempt: (stepId: string, iterationPath: string, attempt: number) => string | null;
    }): GateCheck {
      const ignore = new Set<number>();
      /** Step instances this frame finishes before the event being checked. */
      const inFrame = new Map<string, string>();
      const statusOf = (stepId: string, iterationPath: string) => inFrame.get(stepKey(stepId, iterationPath)) ?? stored(stepId, iterationPath);
      const refuse = (e: RunnerEvent, message: string): GateCheck => ({ type: 'refuse', seq: e.seq, message });

      for (const e of events) {
        if (!('stepId' in e) || typeof e.stepId !== 'string') continue;
        const info = index.steps.get(e.stepId);
        const where = `step ${e.stepId}${e.iterationPath ? ` (${e.iterationPath})` : ''}`;
        switch (e.type) {
          case 'step.waiting': {
            const isApproval = info?.step.type === 'approval';
            if (e.wait.kind === 'approval' && !isApproval)
              return refuse(e, `${where} is not an approval step of version ${version}: it cannot wait for people`);
            if (e.wait.kind !== 'approval' && isApproval) return refuse(e, `${where} is an approval step: it waits only for people`);
            break;
          }
          case 'step.succeeded': {
            if (!info?.holdsGate) break;
            if (info.step.type === 'approval') {
              // Only the server's own decision: a report of it is acknowledged and changes nothing.
              if (storedAttempt(e.stepId, e.iterationPath, e.attempt) === 'succeeded') {
                ignore.add(e.seq);
                break;
              }
              return refuse(e, `${where} is an approval step: only people (or its timeout) decide it, never a runner`);
            }
            const open = undecidedGateIn(info.step, e.iterationPath, e.output, index, statusOf);
            if (open !== null) return refuse(e, `${where} holds approval ${open}, which was not decided: it cannot have finished`);
            inFrame.set(stepKey(e.stepId, e.iterationPath), 'succeeded');
            break;
          }
          case 'step.skipped': {
            if (info?.holdsGate && !info.skippable) {
              return refuse(e, `${where} ${info.step.type === 'approval' ? 'is an approval step' : 'holds an approval step'} that no condition can skip`);
            }
            inFrame.set(stepKey(e.stepId, e.iterationPath), 'skipped');
            break;
          }
          case 'step.failed':
          case 'step.canceled': {
            // Failing a gate passes nothing; overwriting a decision is refused silently (not applied).
            if (info?.step.type === 'approval' && storedAttempt(e.stepId, e.iterationPath, e.attempt) === 'succeeded') ignore.add(e.seq);
            else inFrame.set(stepKey(e.stepId, e.iterationPath), e.type === 'step.failed' ? 'failed' : 'canceled');
            break;
          }
          default:
            break;
        }
      }
      return { type: 'ok', ignore };
    },
  };
}

/**
 * The first approval inside `container` (directly, or inside a nested container, which then must
 * have finished itself) the container's run at `iterationPath` went past without it being decided
 * or skipped; null when there is none. A loop's iterations are `output.count`.
 */
function undecidedGateIn(container: Step, iterationPath: string, output: unknown, index: GateIndex, statusOf: StoredStatus): string | null {
  const frames: string[] = [];
  if (hasIterationScope(container)) {
    const count = (output as { count?: unknown } | null)?.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return `${container.id} (no iteration count)`;
    if (container.type === 'loop' && count > effectiveMaxIterations(container)) return `${container.id} (more iterations than maxIterations)`;
    for (let i = 0; i < count; i++) frames.push(iterationPath === '' ? `${container.id}[${i}]` : `${iterationPath}/${container.id}[${i}]`);
  } else {
    frames.push(iterationPath);
  }
  for (const frame of frames) {
    for (const { steps } of childBranches(container)) {
      for (const child of steps) {
        if (!index.steps.get(child.id)?.holdsGate) continue;
        const status = statusOf(child.id, frame);
        if (status !== 'succeeded' && status !== 'skipped') return frame === '' ? child.id : `${child.id} (${frame})`;
      }
    }
  }
  return null;
}
