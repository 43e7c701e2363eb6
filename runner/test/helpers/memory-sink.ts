import type { RunnerEventBody } from '@weft/shared';
import type { EventSink, LeaseRef } from '../../src/engine/types';

export type RecordedEvent = RunnerEventBody & { lease: LeaseRef };

/** An in-memory event sink: what the engine emitted, in order. */
export class MemorySink implements EventSink {
  readonly events: RecordedEvent[] = [];
  readonly closed: LeaseRef[] = [];

  emit(lease: LeaseRef, body: RunnerEventBody): void {
    this.events.push({ ...body, lease });
  }

  close(lease: LeaseRef): void {
    this.closed.push(lease);
  }

  ofType<T extends RunnerEventBody['type']>(type: T): Extract<RecordedEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<RecordedEvent, { type: T }> => event.type === type);
  }

  /** `type stepId@iterationPath#attempt` lines, compact for assertions. */
  trace({ logs = false }: { logs?: boolean } = {}): string[] {
    return this.events
      .filter((event) => logs || event.type !== 'step.log')
      .map((event) => {
        if (event.type === 'execution.finished') return `execution.finished ${event.status}`;
        const where = event.iterationPath ? `${event.stepId}@${event.iterationPath}` : event.stepId;
        return 'attempt' in event ? `${event.type} ${where}#${event.attempt}` : `${event.type} ${where}`;
      });
  }

  finished(): Extract<RecordedEvent, { type: 'execution.finished' }> | undefined {
    return this.ofType('execution.finished')[0];
  }
}

const TERMINAL = new Set(['step.succeeded', 'step.failed', 'step.canceled', 'step.waiting']);

/**
 * Protocol rule: every started attempt ends with exactly one terminal event, and nothing ends an
 * attempt that never started. Container steps around a step that waits are the one exception
 * (the whole execution stops), so callers pass `allowOpen` for those.
 */
export function assertOneTerminalPerAttempt(events: readonly RunnerEventBody[], { allowOpen = [] }: { allowOpen?: string[] } = {}): void {
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  for (const event of events) {
    if (!('attempt' in event)) continue;
    const key = `${event.stepId}|${event.iterationPath}#${event.attempt}`;
    if (event.type === 'step.started') started.set(key, (started.get(key) ?? 0) + 1);
    if (TERMINAL.has(event.type)) {
      if (!started.has(key)) throw new Error(`terminal ${event.type} for ${key} without step.started`);
      ended.set(key, (ended.get(key) ?? 0) + 1);
    }
  }
  for (const [key, count] of started) {
    if (count !== 1) throw new Error(`${key} started ${count} times`);
    const terminal = ended.get(key) ?? 0;
    if (terminal === 0 && allowOpen.some((prefix) => key.startsWith(prefix))) continue;
    if (terminal !== 1) throw new Error(`${key} has ${terminal} terminal events`);
  }
}
