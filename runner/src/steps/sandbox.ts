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
 *   the step's PATH and `WEFT_SANDBOX_READ_PATHS`, read-only;
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

export type Sandbox =
  /** `reason`: why there is none (shown at start when a sandbox was asked for or looked for). */
  | { kind: 'none'; reason: string }
  | {
      kind: 'bwrap';
      bwrap: string;
      readPaths: readonly string[];
      writePaths: readonly string[];
      /** `host`: the host's network (loopback services included); `none`: a network namespace with only its own loopback. */
      network: SandboxNetwork;
      /** Never shown, even under a shown directory (the runner's data directory, under `/opt` say); a step's own run directory inside is put back. */
      hidePaths: readonly string[];
    };

export const NO_SANDBOX: Sandbox = { kind: 'none', reason: 'not configured' };

/** Read-only from the host. A symlink (merged /usr: `/bin -> usr/bin`) is recreated as the same link. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];

/** What a step process may reach beyond the sandbox's base: writable binds, and paths hidden under them. */
export type SandboxView = {
  /** Bound writable, at the same path. */
  writable: readonly string[];
  /** Covered with an empty directory of the sandbox's own (they lie under a writable path). */
  hidden?: readonly string[];
  /** The step's PATH: its directories are bound read-only so its tools run. */
  pathVariable?: string | undefined;
  /** The step's HOME: an empty writable directory in the sandbox. */
  home?: string | undefined;
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
  const shown = [...view.writable, ...sandbox.writePaths, ...sandbox.readPaths];
  const hiddenBy = [...(view.hidden ?? []), ...sandbox.hidePaths].find((dir) => isWithin(dir, abs));
  // Under a hidden directory only what a bind puts back on top of it is seen.
  if (hiddenBy !== undefined) return shown.some((dir) => isWithin(hiddenBy, dir) && isWithin(dir, abs));
  return [...shown, ...SYSTEM_DIRS].some((dir) => isWithin(dir, abs));
}

/** `-try`: configured paths that may not exist (yet) on this machine are left out, not an error. */
type Mount = { kind: 'ro' | 'rw' | 'rw-try' | 'hide'; path: string };

/**
 * `file` and `args` wrapped in bwrap with `view`; unchanged without a sandbox. The caller spawns
 * the result `detached` as before: bwrap leads the process group, and killing the group kills the
 * sandbox's first process, whose PID namespace then takes every other process in it along.
 */
export function sandboxedCommand(sandbox: Sandbox, view: SandboxView, file: string, args: readonly string[], cwd: string): { file: string; args: string[] } {
  if (sandbox.kind === 'none') return { file, args: [...args] };
  return { file: sandbox.bwrap, args: [...bwrapArgs(sandbox, view), '--chdir', cwd, '--', file, ...args] };
}

function bwrapArgs(sandbox: Extract<Sandbox, { kind: 'bwrap' }>, view: SandboxView): string[] {
  const out = ['--unshare-all', ...(sandbox.network === 'host' ? ['--share-net'] : []), '--die-with-parent', '--cap-drop', 'ALL'];
  for (const dir of SYSTEM_DIRS) {
    const stat = lstat(dir);
    if (stat?.isSymbolicLink()) out.push('--symlink', fs.readlinkSync(dir), dir);
    else if (stat?.isDirectory()) out.push('--ro-bind', dir, dir);
  }
  // A resolv.conf pointing into /run (systemd-resolved) would leave the sandbox without DNS.
  const resolv = realpath('/etc/resolv.conf');
  if (resolv && !SYSTEM_DIRS.some((dir) => isWithin(dir, resolv))) out.push('--ro-bind', resolv, resolv);
  out.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  const home = view.home && path.isAbsolute(view.home) ? path.resolve(view.home) : null;
  if (home && home !== '/' && !SYSTEM_DIRS.some((dir) => isWithin(dir, home))) out.push('--tmpfs', home);

  const mounts: Mount[] = [];
  for (const dir of (view.pathVariable ?? '').split(':')) {
    if (path.isAbsolute(dir) && !SYSTEM_DIRS.some((system) => isWithin(system, path.resolve(dir)))) mounts.push({ kind: 'ro', path: path.resolve(dir) });
  }
  // Hidden first: a path the operator names (or the run directory) at the same depth is put back.
  for (const dir of sandbox.hidePaths) mounts.push({ kind: 'hide', path: dir });
  for (const dir of sandbox.readPaths) mounts.push({ kind: 'ro', path: dir });
  for (const dir of sandbox.writePaths) mounts.push({ kind: 'rw-try', path: dir });
  for (const dir of view.writable) mounts.push({ kind: 'rw', path: path.resolve(dir) });
  for (const dir of view.hidden ?? []) mounts.push({ kind: 'hide', path: path.resolve(dir) });
  // Parents before children (a stable sort), so a deeper mount lands on top of the one that contains it.
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  mounts.sort((a, b) => depth(a.path) - depth(b.path));
  for (const mount of mounts) {
    if (mount.kind === 'ro') out.push('--ro-bind-try', mount.path, mount.path);
    else if (mount.kind === 'rw') out.push('--bind', mount.path, mount.path);
    else if (mount.kind === 'rw-try') out.push('--bind-try', mount.path, mount.path);
    // An empty directory of the sandbox's own: what is written there never reaches the host.
    else out.push('--tmpfs', mount.path);
  }
  return out;
}

/**
 * What `WEFT_SANDBOX` comes to on this machine: `off`, or bwrap found on the runner's PATH and
 * shown to start a shell (user namespaces can be switched off by the kernel or a container).
 * `auto` settles for no sandbox, with the reason, where `bwrap` fails.
 */
export function resolveSandbox({
  mode,
  searchPath,
  readPaths,
  writePaths,
  hidePaths = [],
  network = 'host',
  shell,
}: {
  mode: SandboxMode;
  searchPath: string;
  readPaths: readonly string[];
  writePaths: readonly string[];
  hidePaths?: readonly string[];
  network?: SandboxNetwork;
  shell: string;
}): { sandbox: Sandbox; problem: string | null } {
  if (mode === 'off') return { sandbox: { kind: 'none', reason: 'WEFT_SANDBOX=off' }, problem: null };
  const bwrap = findExecutable('bwrap', searchPath);
  const fail = (reason: string) =>
    mode === 'bwrap'
      ? { sandbox: { kind: 'none', reason } as Sandbox, problem: `WEFT_SANDBOX=bwrap: ${reason}` }
      : { sandbox: { kind: 'none', reason } as Sandbox, problem: null };
  if (!bwrap) return fail('bwrap (bubblewrap) is not on the PATH');
  const sandbox: Sandbox = { kind: 'bwrap', bwrap, readPaths, writePaths, network, hidePaths: hidePaths.map((dir) => path.resolve(dir)) };
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
