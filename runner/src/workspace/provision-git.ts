import fs from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { checkAddress, type AddressPolicy } from '../net/address-policy';
import { git, type GitContext } from './git-command';
import { resolveUnderRoots } from './provision-dirs';
import { WorkspaceError, type GitCredential, type WorkspaceLog } from './types';

/**
 * A git workspace on disk: the files the tools see, git's own directory beside (never inside) them,
 * and the runner's view of the clone (git-view.ts) beside both.
 */
export type GitLayout = { root: string; gitDir: string; viewDir: string };

export type GitSource = { kind: 'https'; url: string; host: string; port: number } | { kind: 'local'; path: string };

/**
 * Only two shapes reach git: an `https://` URL without credentials, or an absolute local path.
 * Everything else, `ext::` commands, `file://`, `ssh://`, `git@host:` and option look-alikes
 * (`-u...`), is refused before git sees it.
 */
export function parseGitUrl(url: string): GitSource {
  if (/\s/.test(url) || [...url].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f))
    throw invalidUrl(url, 'it contains whitespace or control characters');
  if (url.startsWith('/')) {
    if (url.includes('::')) throw invalidUrl(url, 'it looks like a transport (::)');
    return { kind: 'local', path: path.resolve(url) };
  }
  if (!/^https:\/\//i.test(url))
    throw invalidUrl(url, 'it must be an https:// URL or an absolute local path (other protocols such as file://, ssh:// and ext:: are refused)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl(url, 'it is not a valid URL');
  }
  if (parsed.protocol !== 'https:') throw invalidUrl(url, 'it must be an https:// URL');
  if (parsed.username !== '' || parsed.password !== '') throw invalidUrl(url, 'credentials may not be written into the URL; name an integration instead');
  if (parsed.hostname === '') throw invalidUrl(url, 'it has no host');
  return { kind: 'https', url: parsed.href, host: parsed.hostname, port: parsed.port === '' ? 443 : Number(parsed.port) };
}

function invalidUrl(url: string, why: string): WorkspaceError {
  return new WorkspaceError(`workspace git url ${JSON.stringify(url.length > 200 ? `${url.slice(0, 200)}…` : url)} refused: ${why}`, 'workspace_url_refused');
}

/** A branch, tag or commit: what `git check-ref-format` would take, and never an option. */
export function checkGitRef(ref: string): void {
  const ok =
    /^[A-Za-z0-9._/+-]{1,300}$/.test(ref) &&
    !ref.startsWith('-') &&
    !ref.startsWith('/') &&
    !ref.endsWith('/') &&
    !ref.endsWith('.') &&
    !ref.endsWith('.lock') &&
    !ref.includes('..') &&
    !ref.includes('//') &&
    !ref.split('/').some((part) => part.startsWith('.'));
  if (!ok)
    throw new WorkspaceError(`workspace git ref ${JSON.stringify(ref.slice(0, 300))} is not a valid branch, tag or commit name`, 'workspace_ref_invalid');
}

/**
 * `-c` entries that let git reach an https host: the host resolved once, checked against the
 * runner's outbound address policy, and pinned (`http.curloptResolve`) so git connects to that
 * very address: a second DNS answer (rebinding) cannot send it elsewhere. Redirects are off.
 */
export async function pinnedHttpsConfig({
  source,
  policy,
  lookup,
}: {
  source: Extract<GitSource, { kind: 'https' }>;
  policy: AddressPolicy;
  lookup: (host: string) => Promise<string[]>;
}): Promise<string[]> {
  const host = source.host.replace(/^\[|\]$/g, '');
  const literal = ipaddr.isValid(host);
  let addresses: string[];
  if (literal) addresses = [host];
  else {
    try {
      addresses = await lookup(host);
    } catch (error) {
      throw new WorkspaceError(`could not resolve ${host}: ${(error as Error).message}`, 'workspace_host_unresolved');
    }
  }
  if (addresses.length === 0) throw new WorkspaceError(`could not resolve ${host}`, 'workspace_host_unresolved');
  let firstRefusal: string | null = null;
  for (const address of addresses) {
    const refusal = checkAddress(policy, { host, address });
    if (refusal) {
      firstRefusal ??= refusal.message;
      continue;
    }
    if (literal) return [];
    const pinned = ipaddr.parse(address).kind() === 'ipv6' ? `[${address}]` : address;
    return [`http.curloptResolve=${host}:${source.port}:${pinned}`];
  }
  throw new WorkspaceError(`workspace git url refused: ${firstRefusal ?? `no address of ${host} may be reached`}`, 'workspace_address_refused');
}

export type ProvisionGitRequest = {
  ctx: GitContext;
  layout: GitLayout;
  url: string;
  ref?: string;
  depth?: number;
  /** Check out this commit instead of `ref` (a rebuild from a snapshot). */
  commit?: string;
  roots: readonly string[];
  policy: AddressPolicy;
  lookup: (host: string) => Promise<string[]>;
  /** Asked only for an https URL with an integration. */
  credential?: () => Promise<GitCredential>;
  /** A script that prints WEFT_GIT_USERNAME / WEFT_GIT_PASSWORD to git's prompts. */
  askPass: string;
  signal: AbortSignal;
  log: WorkspaceLog;
};

/**
 * Clones into `layout.root` with git's directory at `layout.gitDir` (outside the root, so file
 * tools cannot reach git's config or hooks): `git init` without templates (no sample hooks), one
 * fetch of the ref (or commit), a detached checkout. Returns the checked-out commit.
 */
export async function cloneGitWorkspace(request: ProvisionGitRequest): Promise<string> {
  const { ctx, layout, signal } = request;
  const source = parseGitUrl(request.url);
  if (request.ref !== undefined) checkGitRef(request.ref);
  if (request.commit !== undefined && !/^[0-9a-f]{40,64}$/.test(request.commit)) {
    throw new WorkspaceError(`snapshot base commit ${JSON.stringify(request.commit.slice(0, 100))} is not a commit id`, 'workspace_snapshot_invalid');
  }
  const config: string[] = [];
  const env: Record<string, string> = {};
  let remote: string;
  if (source.kind === 'local') {
    remote = await resolveUnderRoots({ roots: request.roots, dir: source.path, what: 'workspace git url' });
    config.push('protocol.file.allow=always');
  } else {
    remote = source.url;
    config.push(...(await pinnedHttpsConfig({ source, policy: request.policy, lookup: request.lookup })));
    if (request.credential) {
      const credential = await request.credential();
      Object.assign(env, { GIT_ASKPASS: request.askPass, WEFT_GIT_USERNAME: credential.username, WEFT_GIT_PASSWORD: credential.password });
    }
  }
  signal.throwIfAborted();
  await fs.promises.rm(layout.root, { recursive: true, force: true });
  await fs.promises.rm(layout.gitDir, { recursive: true, force: true });
  await fs.promises.mkdir(path.dirname(layout.root), { recursive: true });
  await git({ ctx, args: ['init', '-q', '--template=', `--separate-git-dir=${layout.gitDir}`, layout.root], signal, failCode: 'workspace_clone_failed' });
  const repo = ['--git-dir', layout.gitDir, '--work-tree', layout.root];
  const want = request.commit ?? request.ref ?? 'HEAD';
  request.log('stderr', `workspace: fetching ${want} from ${remote}\n`);
  await git({
    ctx,
    args: [...repo, 'fetch', '-q', '--no-tags', '--no-recurse-submodules', ...(request.depth ? [`--depth=${request.depth}`] : []), '--', remote, want],
    config,
    env,
    signal,
    failCode: 'workspace_clone_failed',
  });
  await git({ ctx, args: [...repo, 'checkout', '-q', '--detach', '--force', 'FETCH_HEAD'], cwd: layout.root, signal, failCode: 'workspace_clone_failed' });
  // For the agent's own git commands: the address without any credential (none was ever in it).
  await git({ ctx, args: [...repo, 'remote', 'add', 'origin', remote], signal, allowFailure: true });
  const head = await git({ ctx, args: [...repo, 'rev-parse', '--verify', 'HEAD^{commit}'], signal });
  return head.stdout.toString('utf8').trim();
}

/** Applies a snapshot's diff (from `workspace.snapshot`) onto a fresh checkout of its base commit. */
export async function applySnapshotDiff({
  ctx,
  layout,
  diff,
  signal,
}: {
  ctx: GitContext;
  layout: GitLayout;
  diff: string;
  signal: AbortSignal;
}): Promise<void> {
  if (diff === '') return;
  await git({
    ctx,
    args: ['--git-dir', layout.gitDir, '--work-tree', layout.root, 'apply', '--binary', '--whitespace=nowarn', '-'],
    cwd: layout.root,
    input: diff,
    signal,
    failCode: 'workspace_restore_failed',
  });
}
