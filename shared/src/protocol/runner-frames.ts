import { decodeClientFrame, type DecodedClientFrame } from './client-frame';
import { RunnerClientMessage } from './runner';

export type DecodedRunnerClientFrame = DecodedClientFrame<RunnerClientMessage>;

/**
 * How the server side of `/ws/runner` reads one frame: the gateway and the runner tests' fake
 * server both call this, so the fake accepts and refuses exactly what the gateway does. `null`
 * stands for a frame with no text (binary). Never throws.
 */
export function decodeRunnerClientFrame(text: string | null): DecodedRunnerClientFrame {
  return decodeClientFrame(RunnerClientMessage, text);
}
