import { checkResultOf, type CheckResult, type Connection, type Operation } from './types';

/** Runs a probing call: `ready` if it answers, else what its failure means for the status. */
export async function probe(call: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await call();
    return { status: 'ready', reason: null };
  } catch (err) {
    return checkResultOf(err);
  }
}

/**
 * The connection of a built-in HTTP provider: its operations are fixed when it connects (the
 * credentials decide them) and every call is a fresh request, so nothing stays open to close.
 */
export function fixedConnection(operations: Operation[], check: (signal: AbortSignal) => Promise<CheckResult>): Connection {
  return {
    capabilities: () => operations.map((o) => o.name),
    operations: () => operations,
    check,
    close: async () => {},
  };
}
