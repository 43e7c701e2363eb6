import { STEP_CATALOGUE, effectiveLoopItemName, excerpt, stepKeyParam, type Step } from '@weft/shared';
import type { LoopNodeData, StepNodeData } from './diagram-types';

/** The catalogue's one-line summary; never throws, even for a half-written draft step. */
export function safeKeyParam(step: Step): string {
  try {
    return stepKeyParam(step);
  } catch {
    return '';
  }
}

export function stepTitle(step: Step): string {
  return typeof step.name === 'string' && step.name.trim() !== '' ? step.name : step.id;
}

export function stepNodeData(step: Step, loopIds: readonly string[]): StepNodeData {
  return {
    stepId: step.id,
    stepType: step.type,
    title: stepTitle(step),
    keyParam: safeKeyParam(step),
    loopIds,
    conditional: typeof step.if === 'string' && step.if !== '',
  };
}

export function loopNodeData(step: Extract<Step, { type: 'loop' }>, loopIds: readonly string[]): LoopNodeData {
  const over = typeof step.over === 'string' ? excerpt(step.over, 60) : Array.isArray(step.over) ? `[${step.over.length} items]` : '';
  return { ...stepNodeData(step, loopIds), over, itemName: effectiveLoopItemName(step) };
}

export function nodeAriaLabel(data: StepNodeData): string {
  const kind = STEP_CATALOGUE[data.stepType]?.title ?? data.stepType;
  return data.title === data.stepId ? `${kind} step ${data.stepId}` : `${kind} step ${data.title} (${data.stepId})`;
}

/** Shallow equality for node data, comparing `loopIds` by value. */
export function sameNodeData(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const left = a[key];
    const right = b[key];
    if (Array.isArray(left) && Array.isArray(right)) return left.length === right.length && left.every((item, i) => item === right[i]);
    return Object.is(left, right);
  });
}
