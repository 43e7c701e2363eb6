import { createHash } from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workspaceKey, type ResolvedWorkspace } from '@weft/shared';
import type { GitContext } from './git-command';
import { resolveUnderRoots, sharedWorkspaceDir } from './provision-dirs';
import { applySnapshotDiff, cloneGitWorkspace, type GitLayout } from './provision-git';
import { gitFingerprint } from './fingerprint';
import { createGitView } from './git-view';
import { gitChanges, reportWorkspace } from './snapshot';
import { DirectoryLocks } from './locks';
import {
  GIT_WORKSPACES_DIR,
  WorkspaceError,
  type AcquireRequest,
  type Workspace,
  type WorkspaceManager,
  type WorkspaceManagerOptions,
  type WorkspaceSnapshot,
  type WorkspaceState,
} from './types';

/** The protocol's longest workspace key (`workspace.snapshot`, `AskPreview.workspace`). */
export const WORKSPACE_KEY_MAX_CHARS = 2100;

const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Prints the credential git asks for; the values come from the environment of that one git process. */
export const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$WEFT_GIT_USERNAME" ;;
  *) printf '%s\\n' "$WEFT_GIT_PASSWORD" ;;
esac
`;

/** One provisioned workspace of one execution, shared by its steps. */
type Provisioned = {
  key: string;
  kind: ResolvedWorkspace['kind'];
  root: string;
  baseCommit: string | null;
  layout: GitLayout | null;
  /** Files the workspace tools changed: the only change record of `path`/`shared` workspaces. */
  recorded: Set<string>;
};

type Scratch = { ctx: GitContext; dir: string; askPass: string };

/**
 * Provisions workspaces (docs/workspaces.md): git clones into `<run dir>/workspaces/<hash>` with
 * git's directory beside it, `path` directories checked against WEFT_WORKSPACE_ROOTS, `shared`
 * directories under `sharedRoot`. A workspace is provisioned once per execution (concurrent
 * first uses wait for the same provisioning) and one step at a time works in a directory.
 */
export function createWorkspaceManager(options: WorkspaceManagerOptions & { gitPath?: string }): WorkspaceManager {
  const executions = new Map<string, Map<string, Promise<Provisioned>>>();
  const locks = new DirectoryLocks();
  // Clones being removed per execution: a new lease's first step waits, since it clones to the same place.
  const removals = new Map<string, Promise<void>>();
  const lookup = options.lookup ?? defaultLookup;
  let scratch: Promise<Scratch> | null = null;

  const scratchSpace = (): Promise<Scratch> => {
    scratch ??= (async () => {
      // Private to the runner: git's empty HOME, the askpass script, throw-away index files.
      const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'weft-git-'));
      const home = path.join(dir, 'home');
      await fs.promises.mkdir(home, { mode: 0o700 });
      const askPass = path.join(dir, 'askpass.sh');
      await fs.promises.writeFile(askPass, ASKPASS_SCRIPT, { mode: 0o700 });
      return { ctx: { home, path: options.gitPath ?? FALLBACK_PATH }, dir, askPass };
    })();
    return scratch;
  };

  const provision = async (request: AcquireRequest, key: string): Promise<Provisioned> => {
    const { spec } = request;
    switch (spec.kind) {
      case 'path': {
        const root = await resolveUnderRoots({ roots: options.roots, dir: spec.path, what: 'workspace path' });
        return { key, kind: 'path', root, baseCommit: null, layout: null, recorded: new Set() };
      }
      case 'shared': {
        const root = await sharedWorkspaceDir({ sharedRoot: options.sharedRoot, workflowId: request.workflowId, name: spec.name });
        return { key, kind: 'shared', root, baseCommit: null, layout: null, recorded: new Set() };
      }
      case 'git':
        return provisionGit(request, spec, key);
      default: {
        const unknown: never = spec;
        throw new WorkspaceError(`unknown workspace kind ${JSON.stringify(unknown)}`, 'workspace_invalid');
      }
    }
  };

  const provisionGit = async (request: AcquireRequest, spec: Extract<ResolvedWorkspace, { kind: 'git' }>, key: string): Promise<Provisioned> => {
    const { ctx, askPass } = await scratchSpace();
    const name = createHash('sha256').update(key).digest('hex').slice(0, 24);
    const base = path.join(path.resolve(request.workDir), GIT_WORKSPACES_DIR);
    const layout: GitLayout = { root: path.join(base, name), gitDir: path.join(base, `${name}.git`), viewDir: path.join(base, `${name}.view`) };
    const { gitCredential } = options;
    const integration = spec.integration;
    let credential: (() => Promise<{ username: string; password: string }>) | undefined;
    if (integration !== undefined) {
      if (!spec.url.startsWith('https://')) throw new WorkspaceError('workspace git integration applies to https:// URLs only', 'workspace_url_refused');
      if (!gitCredential) throw new WorkspaceError('this runner cannot fetch git credentials', 'workspace_credential_unavailable');
      credential = () =>
        gitCredential({
          integration,
          url: spec.url,
          executionId: request.executionId,
          stepId: request.stepId,
          iterationPath: request.iterationPath,
          signal: request.signal,
        });
    }
    const restore = request.restore;
    const common = {
      ctx,
      layout,
      url: spec.url,
      ...(spec.depth !== undefined ? { depth: spec.depth } : {}),
      roots: options.roots,
      policy: options.addressPolicy,
      lookup,
      ...(credential ? { credential } : {}),
      askPass,
      signal: request.signal,
      log: request.log,
    };
    let baseCommit: string;
    if (restore?.baseCommit) {
      // A new lease of an execution this process has not provisioned: rebuild from the last snapshot.
      baseCommit = await cloneGitWorkspace({ ...common, commit: restore.baseCommit });
      if (restore.diff === null) {
        request.log(
          'stderr',
          'workspace: the last snapshot carried no diff (over 8 MiB encoded, not exact, or not taken), so its changes are lost; starting again from the base commit\n',
        );
      } else {
        await applySnapshotDiff({ ctx, layout, diff: restore.diff, signal: request.signal });
      }
    } else {
      baseCommit = await cloneGitWorkspace({ ...common, ...(spec.ref !== undefined ? { ref: spec.ref } : {}) });
    }
    const root = await fs.promises.realpath(layout.root);
    const provisioned: GitLayout = { ...layout, root };
    await createGitView({ ctx, layout: provisioned, baseCommit, signal: request.signal });
    return { key, kind: 'git', root, baseCommit, layout: provisioned, recorded: new Set() };
  };

  const changes = async (p: Provisioned, signal: AbortSignal): Promise<WorkspaceState> => {
    if (p.layout && p.baseCommit) {
      const { ctx, dir } = await scratchSpace();
      return gitChanges({ ctx, layout: p.layout, baseCommit: p.baseCommit, scratchDir: dir, signal });
    }
    return { changedFiles: [...p.recorded].sort(), diff: '' };
  };

  const fingerprint = async (p: Provisioned, signal: AbortSignal): Promise<string> => {
    if (p.layout) return gitFingerprint({ ctx: (await scratchSpace()).ctx, layout: p.layout, signal });
    return JSON.stringify([...p.recorded].sort());
  };

  return {
    async acquire(request) {
      const key = workspaceKey(request.spec);
      // The key names the workspace in snapshots and asks, whose schemas stop at 2,100 characters.
      if (key.length > WORKSPACE_KEY_MAX_CHARS) {
        throw new WorkspaceError(
          `the workspace key is ${key.length} characters, more than ${WORKSPACE_KEY_MAX_CHARS}: shorten the URL or ref`,
          'workspace_invalid',
        );
      }
      let perExecution = executions.get(request.executionId);
      if (!perExecution) {
        perExecution = new Map();
        executions.set(request.executionId, perExecution);
      }
      let pending = perExecution.get(key);
      if (!pending) {
        const removal = removals.get(request.executionId);
        pending = removal ? removal.then(() => provision(request, key)) : provision(request, key);
        perExecution.set(key, pending);
        // A failed provisioning is tried afresh by the next step (or retry).
        pending.catch(() => {
          if (executions.get(request.executionId)?.get(key) === pending) executions.get(request.executionId)?.delete(key);
        });
      }
      const provisioned = await pending;
      const unlock = await locks.lock(provisioned.root, request.signal);
      let released = false;
      const workspace: Workspace = {
        key,
        kind: provisioned.kind,
        root: provisioned.root,
        baseCommit: provisioned.baseCommit,
        changes: () => changes(provisioned, request.signal),
        fingerprint: () => fingerprint(provisioned, request.signal),
        log: request.log,
        signal: request.signal,
        snapshot: async (): Promise<WorkspaceSnapshot> => (await reportWorkspace(workspace)).snapshot,
        recordChange: (relative) => {
          provisioned.recorded.add(relative);
        },
        release: () => {
          if (released) return;
          released = true;
          unlock();
        },
      };
      return workspace;
    },

    releaseExecution(executionId) {
      const perExecution = executions.get(executionId);
      if (!perExecution) return removals.get(executionId) ?? Promise.resolve();
      executions.delete(executionId);
      const removal = (async () => {
        await removals.get(executionId);
        for (const pending of perExecution.values()) {
          const provisioned = await pending.catch(() => null);
          if (!provisioned?.layout) continue;
          await fs.promises.rm(provisioned.layout.root, { recursive: true, force: true });
          await fs.promises.rm(provisioned.layout.gitDir, { recursive: true, force: true });
          await fs.promises.rm(provisioned.layout.viewDir, { recursive: true, force: true });
        }
      })();
      const settled = removal.catch(() => {});
      removals.set(executionId, settled);
      void settled.then(() => {
        if (removals.get(executionId) === settled) removals.delete(executionId);
      });
      return removal;
    },
  };
}

async function defaultLookup(host: string): Promise<string[]> {
  const answers = await dns.promises.lookup(host, { all: true });
  return answers.map((answer) => answer.address);
}
