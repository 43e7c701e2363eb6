import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  codeEnvNameProblem,
  compileShellTemplate,
  evaluateExpression,
  formatValue,
  renderTemplate,
  workspaceKey,
  type BashStep,
  type ShellCommand,
  type WorkspaceChanges,
} from '@weft/shared';
import { NonRetriableStepError, StepFailedError } from '../engine/errors';
import { confinePath, PathRefusedError } from '../workspace/confine';
import { renderWorkspaceSpec, workspaceStepError } from '../workspace/render';
import { reportWorkspace } from '../workspace/snapshot';
import { GIT_WORKSPACES_DIR, type Workspace, type WorkspaceManager } from '../workspace/types';
import { releaseLifeline } from './lifeline';
import type { StepContext, StepHandler, StepLogStream } from './types';
import { afterPipesClose, killProcessGroup, spawnStepShell } from './child-process';
import { NO_SANDBOX, sandboxReaches, type Sandbox, type SandboxView } from './sandbox';

export const BASH_OUTPUT_CAP_BYTES = 1024 * 1024;
const STDERR_TAIL_CHARS = 2000;

export const BASH_DISABLED_MESSAGE = 'bash steps are disabled: the server is not listening on loopback; set WEFT_ALLOW_BASH=1 on the server to allow them';

export type BashOutput = {
  stdout: string;
  stderr: string;
  exitCode: number;
  truncated: { stdout: boolean; stderr: boolean };
  /** With a `workspace`: its changes since the execution provisioned it. */
  changedFiles?: string[];
  workspace?: WorkspaceChanges;
};

/** What a step process inherits from the runner's own environment (see `config.ts`): no credential. */
export type StepEnvironment = Readonly<Record<string, string>>;

/**
 * Runs `command` (a template) with `bash -c` (or `/bin/sh -c` where there is no bash) in the
 * execution's run directory. Values reach the shell as environment variables, never as text of the
 * script (`compileShellTemplate`), and the process gets only `environment`, the step's own `env`
 * and Weft's context: never the runner's credentials. The shell leads its own process group, so a
 * timeout or cancel kills everything it started. A non-zero exit fails the step. In a `sandbox` it
 * sees its run directory (and workspace) writable, the system read-only and little else (sandbox.ts).
 */
export function createBashStep({
  environment,
  runnerName,
  sandbox = NO_SANDBOX,
  workspaces,
}: {
  environment: StepEnvironment;
  runnerName: string;
  sandbox?: Sandbox;
  /** Provisions the step's `workspace`; a runner without one fails such steps. */
  workspaces?: WorkspaceManager;
}): StepHandler<'bash'> {
  return { type: 'bash', run: (ctx, step) => runBash({ ctx, step, environment, runnerName, sandbox, workspaces }) };
}

async function runBash({
  ctx,
  step,
  environment,
  runnerName,
  sandbox,
  workspaces,
}: {
  ctx: StepContext;
  step: BashStep;
  environment: StepEnvironment;
  runnerName: string;
  sandbox: Sandbox;
  workspaces: WorkspaceManager | undefined;
}): Promise<BashOutput> {
  if (!ctx.allowBash) throw new NonRetriableStepError(BASH_DISABLED_MESSAGE, { code: 'bash_disabled' });
  const compiled = compileShellTemplate(step.command);
  // The validator refuses these; a definition that skipped it still never runs one.
  if (!compiled.ok) throw new NonRetriableStepError(`command: ${compiled.message}`, { code: 'bash_unsafe_template' });
  const runDir = path.resolve(ctx.workDir);
  const env = stepProcessEnv({ ctx, step, environment, command: compiled.command, runDir, runnerName });

  // Git workspaces keep their clones and git directories under `workspaces/`: in a sandbox it is an
  // empty directory of the step's own, so no command can rewrite what a workspace diff is made from.
  await fs.promises.mkdir(runDir, { recursive: true });
  if (sandbox.kind !== 'none') await fs.promises.mkdir(path.join(runDir, GIT_WORKSPACES_DIR), { recursive: true });
  const view = (writable: string[]): SandboxView => ({ writable, hidden: [path.join(runDir, GIT_WORKSPACES_DIR)] });
  if (step.workspace !== undefined) {
    return runInWorkspace({
      ctx,
      step,
      spec: step.workspace,
      workspaces,
      command: compiled.command.script,
      env,
      sandbox,
      view: (root) => view([runDir, root]),
    });
  }
  // `cwd` is a path (data) relative to the run directory. Without a sandbox it may leave it (the
  // command could `cd` anywhere anyway); in one it must be a directory the sandbox shows.
  const cwd = step.cwd === undefined ? runDir : path.resolve(runDir, renderTemplate(step.cwd, ctx.scope));
  const stat = await fs.promises.stat(cwd).catch(() => null);
  if (!stat?.isDirectory()) throw new NonRetriableStepError(`cwd ${cwd} is not a directory`, { code: 'bash_bad_cwd' });
  if (!sandboxReaches(sandbox, view([runDir]), cwd)) {
    throw new NonRetriableStepError(`cwd ${cwd} is outside the step's sandbox: add it to the runner's WEFT_SANDBOX_WRITE_PATHS or WEFT_SANDBOX_READ_PATHS`, {
      code: 'bash_cwd_outside_sandbox',
    });
  }
  ctx.signal.throwIfAborted();
  return spawnShell({ ctx, command: compiled.command.script, cwd, env, sandbox, view: view([runDir]) });
}

/**
 * With a `workspace`, the command starts in its root (`cwd` is relative to it and may not leave it)
 * and the output carries the workspace's changes; a snapshot is emitted whether the command
 * succeeded or not, since a failed command may have changed files too.
 */
async function runInWorkspace({
  ctx,
  step,
  spec: workspaceSpec,
  workspaces,
  command,
  env,
  sandbox,
  view,
}: {
  ctx: StepContext;
  step: BashStep;
  spec: NonNullable<BashStep['workspace']>;
  workspaces: WorkspaceManager | undefined;
  command: string;
  env: Record<string, string>;
  sandbox: Sandbox;
  view: (root: string) => SandboxView;
}): Promise<BashOutput> {
  if (!workspaces) throw new NonRetriableStepError('this runner provides no workspaces', { code: 'workspace_unavailable' });
  let workspace: Workspace;
  try {
    const spec = renderWorkspaceSpec(workspaceSpec, ctx.scope);
    const key = workspaceKey(spec);
    const restore = ctx.workspaceSnapshots.find((entry) => entry.key === key);
    workspace = await workspaces.acquire({
      executionId: ctx.executionId,
      workflowId: ctx.workflowId,
      stepId: ctx.stepId,
      iterationPath: ctx.iterationPath,
      workDir: ctx.workDir,
      spec,
      ...(restore ? { restore: { baseCommit: restore.baseCommit, diff: restore.diff } } : {}),
      signal: ctx.signal,
      log: (stream, text) => ctx.log(stream, text),
    });
  } catch (error) {
    throw workspaceStepError(error);
  }
  try {
    let cwd = workspace.root;
    if (step.cwd !== undefined) {
      const input = renderTemplate(step.cwd, ctx.scope);
      try {
        cwd = (await confinePath({ root: workspace.root, input, write: false })).absolute;
      } catch (error) {
        if (error instanceof PathRefusedError) throw new NonRetriableStepError(`cwd: ${error.message}`, { code: 'bash_bad_cwd' });
        throw error;
      }
      const stat = await fs.promises.stat(cwd).catch(() => null);
      if (!stat?.isDirectory()) throw new NonRetriableStepError(`cwd ${input} is not a directory of the workspace`, { code: 'bash_bad_cwd' });
    }
    ctx.signal.throwIfAborted();
    let lastChanges: WorkspaceChanges | null = null;
    let output: BashOutput;
    try {
      output = await spawnShell({ ctx, command, cwd, env, sandbox, view: view(workspace.root) });
    } finally {
      if (!ctx.signal.aborted) {
        const report = await reportWorkspace(workspace).catch((error: unknown) => {
          ctx.log('stderr', `workspace: could not record its changes: ${error instanceof Error ? error.message : String(error)}\n`);
          return null;
        });
        if (report) {
          ctx.emitWorkspaceSnapshot(report.snapshot);
          lastChanges = report.changes;
        }
      }
    }
    return lastChanges ? { ...output, changedFiles: lastChanges.changedFiles, workspace: lastChanges } : output;
  } finally {
    workspace.release();
  }
}

/**
 * Built from an allowlist, never by copying `process.env`: the runner's PATH/HOME/LANG/TZ, the
 * step's `env`, then Weft's context and the `{{ }}` values, which the step cannot override.
 */
function stepProcessEnv({
  ctx,
  step,
  environment,
  command,
  runDir,
  runnerName,
}: {
  ctx: StepContext;
  step: BashStep;
  environment: StepEnvironment;
  command: ShellCommand;
  runDir: string;
  runnerName: string;
}): Record<string, string> {
  const env: Record<string, string> = { ...environment };
  for (const [name, template] of Object.entries(step.env ?? {})) {
    // The validator refuses these; a definition that skipped it still never sets one, sandboxed or not.
    const problem = codeEnvNameProblem(name);
    if (problem !== null) throw new NonRetriableStepError(`env.${name}: ${problem}`, { code: 'bash_unsafe_env' });
    const value = renderTemplate(template, ctx.scope);
    if (value.includes('\0')) {
      throw new NonRetriableStepError(`env.${name}: the value contains a NUL character, which an environment variable cannot hold`, {
        code: 'bash_nul_in_value',
      });
    }
    env[name] = value;
  }
  for (const arg of command.args) {
    const value = formatValue(evaluateExpression(arg.expression, ctx.scope));
    if (value.includes('\0')) {
      throw new NonRetriableStepError(`command: the value of {{ }} at character ${arg.start} contains a NUL character, which a shell cannot hold`, {
        code: 'bash_nul_in_value',
      });
    }
    env[arg.name] = value;
  }
  env.WEFT_EXECUTION_ID = ctx.executionId;
  env.WEFT_WORKFLOW_ID = ctx.workflowId;
  env.WEFT_STEP_ID = ctx.stepId;
  env.WEFT_ATTEMPT = String(ctx.attempt);
  env.WEFT_ITERATION_PATH = ctx.iterationPath;
  env.WEFT_RUN_DIR = runDir;
  env.WEFT_RUNNER_NAME = runnerName;
  return env;
}

function spawnShell({
  ctx,
  command,
  cwd,
  env,
  sandbox,
  view,
}: {
  ctx: StepContext;
  command: string;
  cwd: string;
  env: Record<string, string>;
  sandbox: Sandbox;
  view: SandboxView;
}): Promise<BashOutput> {
  return new Promise<BashOutput>((resolve, reject) => {
    const child = spawnStepShell({ script: command, cwd, env, sandbox, view });
    const stdout = new CapturedStream('stdout', ctx);
    const stderr = new CapturedStream('stderr', ctx);
    child.stdout.on('data', (chunk: Buffer) => stdout.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));

    const killGroup = () => killProcessGroup(child);
    const onAbort = () => {
      killGroup();
      settle(() => reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('bash step aborted')));
    };
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      finish();
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error) => {
      killGroup();
      settle(() => reject(new StepFailedError(`could not start the shell: ${error.message}`, { code: 'bash_spawn_failed' })));
    });
    child.on('exit', (code, signal) => {
      releaseLifeline(child);
      const exitCode = code ?? 128 + signalNumber(signal);
      const finish = () =>
        settle(() => {
          const output: BashOutput = {
            stdout: stdout.text(),
            stderr: stderr.text(),
            exitCode,
            truncated: { stdout: stdout.truncated, stderr: stderr.truncated },
          };
          if (exitCode === 0) resolve(output);
          else reject(exitError(output, signal));
        });
      afterPipesClose(child, finish);
    });
  });
}

function exitError(output: BashOutput, signal: NodeJS.Signals | null): StepFailedError {
  const tail = output.stderr.trimEnd().slice(-STDERR_TAIL_CHARS);
  const how = signal ? `was killed by ${signal} (exit code ${output.exitCode})` : `exited with code ${output.exitCode}`;
  return new StepFailedError(tail ? `command ${how}: ${tail}` : `command ${how}`, { code: 'bash_exit_code' });
}

/**
 * Keeps the first `BASH_OUTPUT_CAP_BYTES` of a stream for the step's output and streams all of it
 * (decoded across chunk boundaries) to the live log.
 */
class CapturedStream {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly stream: StepLogStream,
    private readonly ctx: StepContext,
  ) {}

  write(chunk: Buffer): void {
    const room = BASH_OUTPUT_CAP_BYTES - this.bytes;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
    } else {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.bytes = BASH_OUTPUT_CAP_BYTES;
      this.truncated = true;
    }
    const text = this.decoder.write(chunk);
    if (text) this.ctx.log(this.stream, text);
  }

  text(): string {
    const rest = this.decoder.end();
    if (rest) this.ctx.log(this.stream, rest);
    // A cut in the middle of a multi-byte character becomes U+FFFD; cutting there is what the cap means.
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === null) return 0;
  const number = (os.constants.signals as Record<string, number | undefined>)[signal];
  return number ?? 0;
}
