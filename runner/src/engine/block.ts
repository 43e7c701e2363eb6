import type { Step } from '@weft/shared';
import type { Frame } from './context';
import type { StepOutcome } from './outcomes';

/** How a list of steps ended: all done, or the first step that did not finish normally. */
export type BlockOutcome = { type: 'completed' } | Extract<StepOutcome, { type: 'failed' | 'waiting' | 'stopped' }>;

/** Runs a list of steps in a frame; containers receive it so they never import the walker. */
export type RunBlock = (steps: readonly Step[], frame: Frame) => Promise<BlockOutcome>;
