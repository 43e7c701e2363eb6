import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Step processes (bash steps, `workspace:bash`) run as the runner's OS user, which can read the
 * runner's data, a server's database and secret key on the same machine, other executions' files
 * and the git directories that workspace diffs are computed from. With bubblewrap (`bwrap`) each
 * step process gets a filesystem of its own instead:
 *
 * - the system's directories (`/usr`, `/etc`, `/opt`, the `/bin`-style links), the directories of
 *   the runner's PATH (never a step's own `env`) and `WEFT_SANDBOX_READ_PATHS`, read-only;
 * - its run directory (or workspace root) and `WEFT_SANDBOX_WRITE_PATHS`, writable; the run
 *   directory's `workspaces/` (where git workspaces keep their clones and git directories) hidden;
 * - an empty `/tmp` and an empty HOME of its own;
 * - nothing else of the host: not the runner's or server's data (hidden even where it lies under a
 *   shown directory), not `/root`, `/home` or `/var`.
 *
 * It has its own PID namespace (it can neither see nor signal the runner, the server or other
 * steps, and everything in it dies with it), no capabilities, and the host's network (http steps
 * reach the network anyway) unless `WEFT_SANDBOX_NETWORK=none`. It keeps the runner's uid: a file the runner's user can read is
 * hidden only if it is outside what is bound, so run the runner as a user of its own.
 */
export type SandboxMode = 'auto' | 'bwrap' | 'off';
export type SandboxNetwork = 'host' | 'none';

/** `-try`: configured paths that may not exist (yet) on this machine are left out, not an error. */
type Mount = { kind: 'ro' | 'rw' | 'rw-try' | 'hide'; path: string };

export type Sandbox =
  /** `reason`: why there is none (shown at start when a sandbox was asked for or looked for). */
  | { kind: 'none'; reason: string }
  | {
      kind: 'bwrap';
      bwrap: string;
      /** Namespaces, the system's directories, /dev, /proc, /tmp and HOME: the same for every step process. */
      baseArgs: readonly string[];
      /**
       * The runner's PATH directories (ro), its data directory (hidden, even under a shown directory
       * such as `/opt`), WEFT_SANDBOX_READ_PATHS (ro) and WEFT_SANDBOX_WRITE_PATHS: ordered with
       * each process's own mounts. Taken from the runner's settings only, never from a step's `env`.
       */
      mounts: readonly Mount[];
    };

export const NO_SANDBOX: Sandbox = { kind: 'none', reason: 'not configured' };

/** Read-only from the host. A symlink (merged /usr: `/bin -> usr/bin`) is recreated as the same link. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];

/** What one step process reaches beyond the sandbox's own: writable binds, and paths hidden under them. */
export type SandboxView = {
  /** Bound writable, at the same path. */
  writable: readonly string[];
  /** Covered with an empty directory of the process's own (they lie under a writable path). */
  hidden?: readonly string[];
};

/** `true` when `target` is `dir` or lies under it (both absolute and normalised). */
export function isWithin(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Whether a step process in `sandbox` with `view` sees `target` (for a `cwd` check before it starts). */
export function sandboxReaches(sandbox: Sandbox, view: SandboxView, target: string): boolean {
  if (sandbox.kind === 'none') return true;
  const abs = path.resolve(target);
  const shown = [...view.writable, ...sandbox.mounts.filter((m) => m.kind !== 'hide').map((m) => m.path)];
  const hiddenBy = [...(view.hidden ?? []), ...sandbox.mounts.filter((m) => m.kind === 'hide').map((m) => m.path)].find((dir) => isWithin(dir, abs));
  // Under a hidden directory only what a bind puts back on top of it is seen.
  if (hiddenBy !== undefined) return shown.some((dir) => isWithin(hiddenBy, dir) && isWithin(dir, abs));
  return [...shown, ...SYSTEM_DIRS].some((dir) => isWithin(dir, abs));
}

/**
 * The descriptor on which bwrap reads the step's environment (`--args`): its own command line, which
 * any local user can read with `ps`, would show the step's values.
 */
export const SANDBOX_ENV_FD = 4;

export type SandboxedCommand = {
  file: string;
  args: string[];
  /** What to start `file` with: the step's environment without a sandbox, none at all for bwrap. */
  env: Record<string, string>;
  /** NUL-separated `--setenv NAME VALUE` arguments to write to `SANDBOX_ENV_FD`, then close it; null when nothing is passed that way. */
  fdArgs: string | null;
};

/**
 * `file` and `args` wrapped in bwrap with `view`; unchanged without a sandbox. The caller spawns
 * the result `detached` as before: bwrap leads the process group, and killing the group kills the
 * sandbox's first process, whose PID namespace then takes every other process in it along.
 *
 * bwrap itself starts with an empty environment: it runs on the host before any namespace exists,
 * and (not setuid) its dynamic loader would honour a step's `LD_PRELOAD`, `LD_AUDIT` or
 * `LD_LIBRARY_PATH`, running the step's code outside the sandbox. `env` reaches only the sandboxed
 * process, through `--clearenv` and `--setenv` read from `SANDBOX_ENV_FD`.
 */
export function sandboxedCommand(
  sandbox: Sandbox,
  view: SandboxView,
  file: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
): SandboxedCommand {
  if (sandbox.kind === 'none') return { file, args: [...args], env: { ...env }, fdArgs: null };
  const mounts: Mount[] = [
    ...sandbox.mounts,
    ...view.writable.map((dir): Mount => ({ kind: 'rw', path: path.resolve(dir) })),
    ...(view.hidden ?? []).map((dir): Mount => ({ kind: 'hide', path: path.resolve(dir) })),
  ];
  // Parents before children (a stable sort: at one depth the sandbox's hidden paths come first, so
  // a path the operator names, or the run directory, is put back), each mount on top of its parent's.
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  mounts.sort((a, b) => depth(a.path) - depth(b.path));
  const out = [...sandbox.baseArgs];
  for (const mount of mounts) {
    if (mount.kind === 'ro') out.push('--ro-bind-try', mount.path, mount.path);
    else if (mount.kind === 'rw') out.push('--bind', mount.path, mount.path);
    else if (mount.kind === 'rw-try') out.push('--bind-try', mount.path, mount.path);
    // An empty directory of the sandbox's own: what is written there never reaches the host.
    else out.push('--tmpfs', mount.path);
  }
  const entries = Object.entries(env);
  for (const [name, value] of entries) {
    // A NUL would end the argument early and let the rest of a value be read as bwrap options.
    if (name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new Error(`environment variable ${JSON.stringify(name)}: a name with "=", or a NUL character in its name or value, cannot reach the sandbox`);
    }
  }
  out.push('--clearenv');
  if (entries.length > 0) out.push('--args', String(SANDBOX_ENV_FD));
  // Each argument ends in a NUL, the last one too.
  const fdArgs = entries.length > 0 ? entries.map(([name, value]) => `--setenv\0${name}\0${value}\0`).join('') : null;
  return { file: sandbox.bwrap, args: [...out, '--chdir', cwd, '--', file, ...args], env: {}, fdArgs };
}

/** The arguments every step process shares: read once, when the runner starts. */
function baseArgs({ network, home }: { network: SandboxNetwork; home: string | undefined }): string[] {
  const out = ['--unshare-all', ...(network === 'host' ? ['--share-net'] : []), '--die-with-parent', '--cap-drop', 'ALL'];
  for (const dir of SYSTEM_DIRS) {
    const stat = lstat(dir);
    if (stat?.isSymbolicLink()) out.push('--symlink', fs.readlinkSync(dir), dir);
    else if (stat?.isDirectory()) out.push('--ro-bind', dir, dir);
  }
  // A resolv.conf pointing into /run (systemd-resolved) would leave the sandbox without DNS.
  const resolv = realpath('/etc/resolv.conf');
  if (resolv && !SYSTEM_DIRS.some((dir) => isWithin(dir, resolv))) out.push('--ro-bind', resolv, resolv);
  out.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  // Before every bind: the PATH directories and run directories under HOME are put back on top.
  const dir = home && path.isAbsolute(home) ? path.resolve(home) : null;
  if (dir && dir !== '/' && !SYSTEM_DIRS.some((system) => isWithin(system, dir))) out.push('--tmpfs', dir);
  return out;
}

/**
 * What `WEFT_SANDBOX` comes to on this machine: `off`, or bwrap found on the runner's PATH and
 * shown to start a shell (user namespaces can be switched off by the kernel or a container).
 * `auto` settles for no sandbox, with the reason, where `bwrap` fails.
 */
export function resolveSandbox({
  mode,
  environment,
  readPaths,
  writePaths,
  hidePaths = [],
  network = 'host',
  shell,
}: {
  mode: SandboxMode;
  /** The runner's base environment of step processes: bwrap is looked for on its PATH, and its PATH and HOME are what steps get. */
  environment: Readonly<Record<string, string>>;
  readPaths: readonly string[];
  writePaths: readonly string[];
  hidePaths?: readonly string[];
  network?: SandboxNetwork;
  shell: string;
}): { sandbox: Sandbox; problem: string | null } {
  if (mode === 'off') return { sandbox: { kind: 'none', reason: 'WEFT_SANDBOX=off' }, problem: null };
  const searchPath = environment.PATH ?? '';
  const bwrap = findExecutable('bwrap', searchPath);
  const fail = (reason: string) =>
    mode === 'bwrap'
      ? { sandbox: { kind: 'none', reason } as Sandbox, problem: `WEFT_SANDBOX=bwrap: ${reason}` }
      : { sandbox: { kind: 'none', reason } as Sandbox, problem: null };
  if (!bwrap) return fail('bwrap (bubblewrap) is not on the PATH');
  const pathDirs = searchPath
    .split(':')
    .filter((dir) => path.isAbsolute(dir))
    .map((dir) => path.resolve(dir))
    .filter((dir) => !SYSTEM_DIRS.some((system) => isWithin(system, dir)));
  const sandbox: Sandbox = {
    kind: 'bwrap',
    bwrap,
    baseArgs: baseArgs({ network, home: environment.HOME }),
    // Hidden first: at one depth, a path the operator names is put back on top of it.
    mounts: [
      ...hidePaths.map((dir): Mount => ({ kind: 'hide', path: path.resolve(dir) })),
      ...pathDirs.map((dir): Mount => ({ kind: 'ro', path: dir })),
      ...readPaths.map((dir): Mount => ({ kind: 'ro', path: dir })),
      ...writePaths.map((dir): Mount => ({ kind: 'rw-try', path: dir })),
    ],
  };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-sandbox-probe-'));
  try {
    const probe = sandboxedCommand(sandbox, { writable: [scratch] }, shell, ['-c', 'echo ok > probe'], scratch);
    const result = spawnSync(probe.file, probe.args, { cwd: scratch, env: {}, timeout: 10_000, encoding: 'utf8' });
    const wrote = fs.existsSync(path.join(scratch, 'probe'));
    if (result.status !== 0 || !wrote) {
      const why = (result.stderr || result.error?.message || `exit ${String(result.status)}`).trim().split('\n')[0];
      return fail(`bwrap could not start a shell here (${why})`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return { sandbox, problem: null };
}

function findExecutable(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(':')) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** `WEFT_SANDBOX_READ_PATHS` / `WEFT_SANDBOX_WRITE_PATHS`: colon-separated absolute paths. */
export function parseSandboxPaths(value: string, variable: string): { paths: string[]; problems: string[] } {
  const paths: string[] = [];
  const problems: string[] = [];
  for (const entry of value.split(':')) {
    if (entry === '') continue;
    if (!path.isAbsolute(entry)) problems.push(`${variable}: ${JSON.stringify(entry)} is not an absolute path`);
    else if (path.resolve(entry) === '/') problems.push(`${variable}: "/" would undo the sandbox; name the directories steps need`);
    else paths.push(path.resolve(entry));
  }
  return { paths, problems };
}

function lstat(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

function realpath(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}
