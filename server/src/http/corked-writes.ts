import type { WebSocket } from 'ws';

type Corkable = { cork(): void; uncork(): void };

/**
 * Frames sent in one synchronous run (a committed batch's acks and grants, a fan-out, a replay
 * page) leave in a few writes instead of one syscall each: the TCP socket under the WebSocket is
 * corked at the first frame, flushed every `flushBytes` (so what is held back never looks like a
 * slow consumer) and uncorked once the run is over. ws has no cork of its own; `_socket` is its
 * net.Socket. Call the returned function with each frame's size just before `socket.send`.
 */
export function corkedWrites(socket: WebSocket, flushBytes = 32 * 1024): (frameBytes: number) => void {
  const tcp = (socket as unknown as { _socket?: Corkable })._socket;
  if (!tcp) return () => {};
  let corked = false;
  let held = 0;
  const uncork = () => {
    corked = false;
    held = 0;
    tcp.uncork();
  };
  return (frameBytes) => {
    if (!corked) {
      corked = true;
      tcp.cork();
      queueMicrotask(uncork);
    } else if (held > flushBytes) {
      tcp.uncork();
      tcp.cork();
      held = 0;
    }
    held += frameBytes;
  };
}
