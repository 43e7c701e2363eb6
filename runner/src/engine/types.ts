import type { RunnerEventBody } from '@weft/shared';

/** One lease of one execution: `attempt` is the server's fencing token. */
export type LeaseRef = { executionId: string; attempt: number };

/**
 * Where the engine sends what happens. The connection's outbox implements it (numbering, batching,
 * delivery); tests use an in-memory array. The engine never sees seqs or sockets.
 */
export interface EventSink {
  emit(lease: LeaseRef, body: RunnerEventBody): void;
  /** The execution under this lease will emit nothing more. */
  close(lease: LeaseRef): void;
}

/** Why an execution's signal was aborted. `abort` and `shutdown` differ from `cancel` in what is reported. */
export class ExecutionStop {
  constructor(
    readonly kind: 'cancel' | 'abort' | 'shutdown',
    readonly reason: string,
  ) {}
}
