import { createContext, useContext } from 'react';
import { createStepStatusStore, type StepStatusStore } from '../store/step-status-store';
import type { DiagramMode } from './diagram-types';
import type { StepMark } from './step-marks';

export type DiagramContextValue = {
  store: StepStatusStore;
  mode: DiagramMode;
  /** Steps drawn as changed (a refined draft, a version diff); changes rarely, so it lives here. */
  highlighted?: ReadonlySet<string>;
  /** A comparison's marks by step id (added, removed, changed with its fields, moved). */
  marks?: ReadonlyMap<string, StepMark>;
};

const fallback: DiagramContextValue = { store: createStepStatusStore(), mode: 'view' };

/** Stable per diagram: changing it re-renders every node, so it only changes with the mode or the highlighted set. */
export const DiagramContext = createContext<DiagramContextValue>(fallback);

export function useDiagram(): DiagramContextValue {
  return useContext(DiagramContext);
}

export function useIsHighlighted(stepId: string): boolean {
  return useContext(DiagramContext).highlighted?.has(stepId) ?? false;
}

export function useStepMark(stepId: string): StepMark | undefined {
  return useContext(DiagramContext).marks?.get(stepId);
}
