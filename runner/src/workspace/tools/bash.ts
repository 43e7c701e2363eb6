import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { releaseLifeline } from '../../steps/lifeline';
import type { WorkspaceLog } from '../types';
import { parseInput } from './common';
import { afterPipesClose, killProcessGroup, spawnStepShell } from '../../steps/child-process';
import type { Sandbox } from '../../steps/sandbox';

const Input = z.strictObject({ command: z.string().min(1).max(100_000), timeoutSeconds: z.number().int().min(1).max(600).optional() });

export const BASH_TOOL_DEFAULT_TIMEOUT_SECONDS = 120;
/** What the result keeps of each stream: its end. */
export const BASH_TOOL_TAIL_BYTES = 16 * 1024;
/** What the step log receives of each stream; past it a note says the rest was dropped. */
export const BASH_TOOL_LOG_CAP_BYTES = 1024 * 1024;

export type BashToolOutput = { exitCode: number | null; stdoutTail: string; stderrTail: string; timedOut: boolean; truncated: boolean };

/** The command as the person deciding it sees it. */
export function bashCommand(input: unknown): string {
  return parseInput(Input, input).command;
}

/**
 * Runs the model's command with `bash -c` in the workspace root. The command is the model's text
 * by design (that is what the tool is, and why its default policy is `ask`); it gets the bash
 * step's minimal environment, never the runner's. The shell leads its own process group, which a
 * timeout or abort kills whole, and the lifeline kills it if the runner dies. In a sandbox it sees
 * the workspace root (writable) and the system, not the workspace's git directory.
 */
export function bashTool({
  root,
  input,
  env,
  sandbox,
  signal,
  log,
}: {
  root: string;
  input: unknown;
  env: Record<string, string>;
  sandbox: Sandbox;
  signal: AbortSignal;
  log: WorkspaceLog;
}): Promise<BashToolOutput> {
  const args = parseInput(Input, input);
  const timeoutMs = (args.timeoutSeconds ?? BASH_TOOL_DEFAULT_TIMEOUT_SECONDS) * 1000;
  signal.throwIfAborted();
  return new Promise<BashToolOutput>((resolve, reject) => {
    const child = spawnStepShell({ script: args.command, cwd: root, env, sandbox, view: { writable: [root] } });
    const stdout = new TailStream('stdout', log);
    const stderr = new TailStream('stderr', log);
    child.stdout.on('data', (chunk: Buffer) => stdout.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));
    let timedOut = false;
    let settled = false;
    const killGroup = () => killProcessGroup(child);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = () => {
      killGroup();
      settle(() => reject(signal.reason instanceof Error ? signal.reason : new Error('workspace:bash aborted')));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    child.on('error', (error) => {
      killGroup();
      settle(() => reject(error));
    });
    child.on('exit', (code) => {
      releaseLifeline(child);
      const finish = () =>
        settle(() =>
          resolve({
            exitCode: timedOut ? null : code,
            stdoutTail: stdout.tail(),
            stderrTail: stderr.tail(),
            timedOut,
            truncated: stdout.truncated || stderr.truncated,
          }),
        );
      afterPipesClose(child, finish);
    });
  });
}

/** Streams a pipe into the step log (up to a cap) and keeps its last bytes for the result. */
class TailStream {
  private chunks: Buffer[] = [];
  private kept = 0;
  private logged = 0;
  private total = 0;
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    private readonly log: WorkspaceLog,
  ) {}

  get truncated(): boolean {
    return this.total > BASH_TOOL_TAIL_BYTES;
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.chunks.length > 1 && this.kept - (this.chunks[0]?.length ?? 0) >= BASH_TOOL_TAIL_BYTES) this.kept -= this.chunks.shift()?.length ?? 0;
    if (this.logged < BASH_TOOL_LOG_CAP_BYTES) {
      const room = BASH_TOOL_LOG_CAP_BYTES - this.logged;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.logged += part.length;
      const text = this.decoder.write(part);
      if (text) this.log(this.stream, text);
      if (this.logged >= BASH_TOOL_LOG_CAP_BYTES)
        this.log(this.stream, `\n[workspace:bash: ${this.stream} beyond ${BASH_TOOL_LOG_CAP_BYTES} bytes is not logged]\n`);
    }
  }

  tail(): string {
    const all = Buffer.concat(this.chunks);
    const cut = all.length > BASH_TOOL_TAIL_BYTES ? all.subarray(all.length - BASH_TOOL_TAIL_BYTES) : all;
    // A cut inside a multi-byte character shows as U+FFFD at the start.
    return cut.toString('utf8');
  }
}
