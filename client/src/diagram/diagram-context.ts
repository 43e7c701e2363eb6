import { createContext, useContext } from 'react';
import { createStepStatusStore, type StepStatusStore } from '../store/step-status-store';
import type { DiagramMode } from './diagram-types';

export type DiagramContextValue = { store: StepStatusStore; mode: DiagramMode };

const fallback: DiagramContextValue = { store: createStepStatusStore(), mode: 'view' };

/** Stable per diagram: changing it re-renders every node, so it only changes with the mode. */
export const DiagramContext = createContext<DiagramContextValue>(fallback);

export function useDiagram(): DiagramContextValue {
  return useContext(DiagramContext);
}
