/**
 * Which sign-in the app's asynchronous answers belong to. Each sign-in has a signal of its own; the
 * sign-out reset (shell/person-state.ts) aborts it and starts the next one. The two ways answers
 * reach the app carry it, so nothing in the stores has to check: `request()` (api/http.ts) aborts a
 * request of an ended sign-in and drops its answer (its caller's `then`, a mutation's `onSuccess`
 * never run), and the live socket (api/live-socket.ts) delivers nothing to a listener of an ended
 * sign-in, queued batches included. An approval fetched, decided or announced as the person who
 * left cannot land in the stores after the reset cleared them, where the next person would see it.
 */

/** The reason every request of an ended sign-in rejects with: an `AbortError`, as callers treat aborts. */
export function signedOutError(): DOMException {
  return new DOMException('The person who asked signed out before the answer came', 'AbortError');
}

let current = new AbortController();

/** The current sign-in's signal: aborted when that person signs out (the button, or a 401 from anything). */
export function personSignal(): AbortSignal {
  return current.signal;
}

/**
 * Ends the current sign-in: what was asked or followed in it is dropped from now on. The next one
 * starts at once (whatever runs from here on, signing in included, belongs to it).
 */
export function endPersonScope(): void {
  const ended = current;
  current = new AbortController();
  ended.abort(signedOutError());
}
