import type { LeaseGrant } from '@weft/shared';
import type { ExecutionHost } from '../../src/connection/session';
import type { LeaseRef } from '../../src/engine/types';

/** Records what the session asked of the engine; holds whatever it was told to start. */
export class StubHost implements ExecutionHost {
  readonly started: LeaseGrant[] = [];
  readonly canceled: { executionId: string; attempt: number; reason: string }[] = [];
  readonly aborted: (LeaseRef & { reason: string })[] = [];
  held: LeaseRef[] = [];
  start(grant: LeaseGrant): void {
    this.started.push(grant);
    this.held.push({ executionId: grant.executionId, attempt: grant.attempt });
  }
  cancel(request: { executionId: string; attempt: number; reason: string }): void {
    this.canceled.push(request);
  }
  abort(request: LeaseRef & { reason: string }): void {
    this.aborted.push(request);
    this.held = this.held.filter((l) => l.executionId !== request.executionId || l.attempt !== request.attempt);
  }
  leases(): LeaseRef[] {
    return this.held;
  }
}
