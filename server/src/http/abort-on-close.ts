import type { ServerResponse } from 'node:http';

/**
 * A signal that fires when the client goes away before its answer was sent, so the model request
 * or tool call it started stops too. A connection closed after the answer aborts nothing.
 */
export function abortOnClose(raw: ServerResponse): AbortSignal {
  const controller = new AbortController();
  raw.on('close', () => {
    if (!raw.writableEnded) controller.abort();
  });
  return controller.signal;
}
