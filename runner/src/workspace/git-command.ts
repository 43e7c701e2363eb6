import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { WorkspaceError } from './types';
import { killProcessGroup } from '../steps/child-process';

/**
 * Every git the runner itself runs goes through here. The repository's content is hostile (a
 * cloned repo, or a clone a `workspace:bash` command tampered with), so git gets:
 * - no environment of the runner's: only PATH, an empty HOME, and the variables below; no system
 *   or global config, no terminal prompt;
 * - `-c` overrides that win over the repository's own config: no hooks, no fsmonitor command, no
 *   credential helper, no redirects, and only the https protocol (plus `file` for an allow-listed
 *   local path). The overrides reach the processes git starts (upload-pack of a local clone) too.
 * Diffs are taken with `--no-ext-diff --no-textconv`, so no diff driver runs either.
 */
export const HARDENING_CONFIG = [
  'protocol.allow=never',
  'protocol.https.allow=always',
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'credential.helper=',
  'http.followRedirects=false',
  'submodule.recurse=false',
  'advice.detachedHead=false',
  'init.defaultBranch=main',
  'gc.auto=0',
  'maintenance.auto=false',
] as const;

/** Most a git command may print before it is killed: diffs beyond this are not kept anyway. */
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

export type GitContext = {
  /** The directory holding `HOME` for git: empty, so no `~/.gitconfig` is read. */
  home: string;
  path: string;
};

export type GitRun = {
  ctx: GitContext;
  args: readonly string[];
  /** Extra `-c name=value` (protocol.file.allow, http.curloptResolve). */
  config?: readonly string[];
  /** Extra environment (GIT_INDEX_FILE, GIT_ASKPASS and the credential it reads). */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  signal?: AbortSignal;
  input?: string | Buffer;
  maxOutput?: number;
  /** Refusal code when git exits non-zero. */
  failCode?: string;
};

export type GitResult = { stdout: Buffer; stderr: string; exitCode: number };

export function gitEnvironment(ctx: GitContext, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: ctx.path,
    HOME: ctx.home,
    XDG_CONFIG_HOME: ctx.home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_PROTOCOL_FROM_USER: '0',
    LC_ALL: 'C',
    ...extra,
  };
}

/** Runs git; rejects with a `WorkspaceError` naming the command when it exits non-zero (unless `allowFailure`). */
export async function git(run: GitRun & { allowFailure?: boolean }): Promise<GitResult> {
  const result = await spawnGit(run);
  if (result.exitCode !== 0 && !run.allowFailure) {
    const detail = result.stderr.trim().split('\n').slice(-5).join('\n');
    throw new WorkspaceError(
      `git ${subcommand(run.args)} failed (exit code ${result.exitCode})${detail ? `: ${detail}` : ''}`,
      run.failCode ?? 'workspace_git_failed',
    );
  }
  return result;
}

/** The git command an argument list runs (`status`), past `--git-dir <dir>` and `--work-tree <dir>`. */
function subcommand(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--git-dir' || arg === '--work-tree') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return '';
}

function spawnGit({ ctx, args, config = [], env, cwd, signal, input, maxOutput = DEFAULT_MAX_OUTPUT }: GitRun): Promise<GitResult> {
  const configArgs = [...HARDENING_CONFIG, ...config].flatMap((entry) => ['-c', entry]);
  return new Promise<GitResult>((resolve, reject) => {
    signal?.throwIfAborted();
    const child = spawn('git', [...configArgs, ...args], {
      cwd: cwd ?? ctx.home,
      env: gitEnvironment(ctx, env),
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let failure: Error | null = null;
    const kill = () => killProcessGroup(child);
    const onAbort = () => {
      failure ??= signal?.reason instanceof Error ? signal.reason : new Error('git was aborted');
      kill();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOutput) {
        failure ??= new WorkspaceError(`git ${subcommand(args)} printed more than ${maxOutput} bytes`, 'workspace_git_output_too_large');
        kill();
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      // Only the end of stderr is ever shown.
      errBytes += chunk.length;
      err.push(chunk);
      while (errBytes > 64 * 1024 && err.length > 1) errBytes -= err.shift()?.length ?? 0;
    });
    if (input !== undefined && child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new WorkspaceError(`could not start git: ${error.message}`, 'workspace_git_unavailable'));
    });
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure);
      else resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? (killedBy ? 128 : 1) });
    });
  });
}
