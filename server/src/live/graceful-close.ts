import type { WebSocket } from 'ws';

/**
 * Closes `socket` with `code` behind what it has already buffered, and ends it once the peer stops
 * reading. The close frame is written after the unsent data, so a peer that resumes reads all of it
 * and then the code; nothing is written after the close frame. A peer that drains nothing for
 * `graceMs` is terminated, freeing its buffer; one that keeps draining may take until ws's own close
 * timeout (30 s). Returns a function that stops the watch (the socket closed by itself).
 */
export function closeGracefully(
  socket: WebSocket,
  { code, reason, graceMs, onTerminate }: { code: number; reason: string; graceMs: number; onTerminate?: () => void },
): () => void {
  socket.close(code, reason);
  const step = Math.max(10, Math.floor(graceMs / 4));
  let last = socket.bufferedAmount;
  let quietMs = 0;
  const timer = setInterval(() => {
    if (socket.readyState === socket.CLOSED) {
      clearInterval(timer);
      return;
    }
    const now = socket.bufferedAmount;
    quietMs = now < last ? 0 : quietMs + step;
    last = now;
    if (quietMs >= graceMs) {
      clearInterval(timer);
      onTerminate?.();
      socket.terminate();
    }
  }, step);
  timer.unref();
  return () => clearInterval(timer);
}
