import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/helpers/engine-harness';
import { gitIn, makeRepo, testManager } from '../../test/helpers/git-repo';
import { DEFAULT_ADDRESS_POLICY, parseAllowList } from '../net/address-policy';
import { checkGitRef, parseGitUrl, pinnedHttpsConfig } from './provision-git';
import { WorkspaceError, type AcquireRequest } from './types';

function request(workDir: string, spec: AcquireRequest['spec'], extra: Partial<AcquireRequest> = {}): AcquireRequest {
  return {
    executionId: 'exe_1',
    workflowId: 'wf_1',
    stepId: 'step_a',
    iterationPath: '',
    workDir,
    spec,
    signal: new AbortController().signal,
    log: () => {},
    ...extra,
  };
}

async function rejection(promise: Promise<unknown>): Promise<WorkspaceError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkspaceError);
  return error as WorkspaceError;
}

describe('git workspaces from a local repository', () => {
  it('clones the default branch with git’s directory outside the workspace, and removes both when the execution ends', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'README.md': '# hello\n', 'src/index.ts': 'export {};\n' });
    const manager = testManager({ roots: [roots] });
    const workDir = tempDataDir();
    const ws = await manager.acquire(request(workDir, { kind: 'git', url: repo.dir }));
    expect(ws.kind).toBe('git');
    expect(ws.baseCommit).toBe(repo.head);
    expect(fs.readFileSync(path.join(ws.root, 'src/index.ts'), 'utf8')).toBe('export {};\n');
    // `.git` in the workspace is only a pointer; git's config and hooks live beside the root.
    expect(fs.statSync(path.join(ws.root, '.git')).isFile()).toBe(true);
    const gitDir = fs.readFileSync(path.join(ws.root, '.git'), 'utf8').replace('gitdir: ', '').trim();
    expect(gitDir.startsWith(ws.root + path.sep)).toBe(false);
    expect(fs.existsSync(path.join(gitDir, 'config'))).toBe(true);
    // No sample hooks were copied in.
    expect(fs.existsSync(path.join(gitDir, 'hooks')) ? fs.readdirSync(path.join(gitDir, 'hooks')) : []).toEqual([]);
    expect(await ws.changes()).toEqual({ changedFiles: [], diff: '' });
    ws.release();
    // The runner's own view of the clone (git-view.ts) lives beside it and goes with it.
    const viewDir = gitDir.replace(/\.git$/, '.view');
    expect(fs.readFileSync(path.join(viewDir, 'HEAD'), 'utf8').trim()).toBe(repo.head);
    await manager.releaseExecution('exe_1');
    expect(fs.existsSync(ws.root)).toBe(false);
    expect(fs.existsSync(gitDir)).toBe(false);
    expect(fs.existsSync(viewDir)).toBe(false);
  });

  it('a new lease right after the release clones afresh, from its grant, without racing the removal', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'a.txt': 'a\n' });
    const manager = testManager({ roots: [roots] });
    const workDir = tempDataDir();
    const first = await manager.acquire(request(workDir, { kind: 'git', url: repo.dir }));
    fs.writeFileSync(path.join(first.root, 'a.txt'), 'changed here\n');
    const { diff } = await first.changes();
    fs.writeFileSync(path.join(first.root, 'local-only.txt'), 'not in the snapshot\n');
    first.release();
    const removal = manager.releaseExecution('exe_1');
    const again = await manager.acquire(request(workDir, { kind: 'git', url: repo.dir }, { restore: { baseCommit: repo.head, diff } }));
    await removal;
    expect(again.root).toBe(first.root);
    expect(fs.readFileSync(path.join(again.root, 'a.txt'), 'utf8')).toBe('changed here\n');
    expect(fs.existsSync(path.join(again.root, 'local-only.txt'))).toBe(false);
    again.release();
  });

  it('checks out a branch, a tag or a commit, shallow when depth is given', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'v.txt': 'one\n' });
    gitIn(repo.dir, 'tag', 'v1');
    gitIn(repo.dir, 'checkout', '-q', '-b', 'feature');
    fs.writeFileSync(path.join(repo.dir, 'v.txt'), 'two\n');
    gitIn(repo.dir, 'commit', '-q', '-am', 'second');
    const second = gitIn(repo.dir, 'rev-parse', 'HEAD');
    gitIn(repo.dir, 'checkout', '-q', 'main');
    const manager = testManager({ roots: [roots] });
    const read = async (spec: AcquireRequest['spec'], executionId: string) => {
      const ws = await manager.acquire(request(tempDataDir(), spec, { executionId }));
      ws.release();
      return { text: fs.readFileSync(path.join(ws.root, 'v.txt'), 'utf8'), base: ws.baseCommit, root: ws.root };
    };
    expect(await read({ kind: 'git', url: repo.dir, ref: 'feature' }, 'e1')).toMatchObject({ text: 'two\n', base: second });
    expect(await read({ kind: 'git', url: repo.dir, ref: 'v1' }, 'e2')).toMatchObject({ text: 'one\n', base: repo.head });
    expect(await read({ kind: 'git', url: repo.dir, ref: second }, 'e3')).toMatchObject({ text: 'two\n' });
    const shallow = await read({ kind: 'git', url: repo.dir, ref: 'feature', depth: 1 }, 'e4');
    expect(shallow.text).toBe('two\n');
  });

  it('shares one clone between the steps of an execution, one step at a time', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'a.txt': 'a\n' });
    const manager = testManager({ roots: [roots] });
    const workDir = tempDataDir();
    const first = await manager.acquire(request(workDir, { kind: 'git', url: repo.dir }));
    fs.writeFileSync(path.join(first.root, 'a.txt'), 'changed\n');
    let secondGot = false;
    const second = manager.acquire(request(workDir, { kind: 'git', url: repo.dir }, { stepId: 'step_b' })).then((ws) => {
      secondGot = true;
      return ws;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondGot).toBe(false);
    first.release();
    const ws2 = await second;
    expect(ws2.root).toBe(first.root);
    expect(fs.readFileSync(path.join(ws2.root, 'a.txt'), 'utf8')).toBe('changed\n');
    expect((await ws2.changes()).changedFiles).toEqual(['a.txt']);
    ws2.release();
  });

  it('stops waiting for a busy workspace when the step is aborted', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'a.txt': 'a\n' });
    const manager = testManager({ roots: [roots] });
    const workDir = tempDataDir();
    const first = await manager.acquire(request(workDir, { kind: 'git', url: repo.dir }));
    const controller = new AbortController();
    const waiting = manager.acquire(request(workDir, { kind: 'git', url: repo.dir }, { signal: controller.signal }));
    controller.abort(new Error('step canceled'));
    await expect(waiting).rejects.toThrow('step canceled');
    first.release();
    // The queue moved on: a third step gets the workspace.
    const third = await manager.acquire(request(workDir, { kind: 'git', url: repo.dir }));
    third.release();
  });

  it('refuses a local repository outside WEFT_WORKSPACE_ROOTS, also through a symlink inside a root', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const elsewhere = fs.realpathSync(tempDataDir());
    const repo = makeRepo(elsewhere, { 'a.txt': 'a\n' });
    fs.symlinkSync(repo.dir, path.join(roots, 'sneaky'));
    const manager = testManager({ roots: [roots] });
    const outside = await rejection(manager.acquire(request(tempDataDir(), { kind: 'git', url: repo.dir })));
    expect(outside.code).toBe('workspace_path_not_allowed');
    expect(outside.message).toContain('WEFT_WORKSPACE_ROOTS');
    const viaLink = await rejection(manager.acquire(request(tempDataDir(), { kind: 'git', url: path.join(roots, 'sneaky') })));
    expect(viaLink.code).toBe('workspace_path_not_allowed');
    const none = await rejection(testManager({ roots: [] }).acquire(request(tempDataDir(), { kind: 'git', url: repo.dir })));
    expect(none.message).toContain('allows no local directories');
  });

  it('runs nothing a hostile source repository configures: fsmonitor, hooks, hooksPath, upload-pack hooks', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const marker = path.join(tempDataDir(), 'pwned');
    const repo = makeRepo(roots, { 'a.txt': 'a\n', '.gitattributes': '* filter=evil diff=evil\n' });
    const hooks = path.join(repo.dir, 'evil-hooks');
    fs.mkdirSync(hooks);
    for (const hook of ['post-checkout', 'reference-transaction', 'post-index-change', 'pre-auto-gc', 'fsmonitor-watchman']) {
      fs.writeFileSync(path.join(hooks, hook), `#!/bin/sh\necho ${hook} >> ${marker}\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(repo.dir, '.git/hooks', hook), `#!/bin/sh\necho ${hook} >> ${marker}\n`, { mode: 0o755 });
    }
    for (const [key, value] of [
      ['core.fsmonitor', `echo fsmonitor >> ${marker}`],
      ['core.hooksPath', hooks],
      ['uploadpack.packObjectsHook', `sh -c 'echo packhook >> ${marker}; exec "$@"' --`],
      ['filter.evil.clean', `sh -c 'echo clean >> ${marker}; cat'`],
      ['filter.evil.smudge', `sh -c 'echo smudge >> ${marker}; cat'`],
      ['diff.evil.textconv', `sh -c 'echo textconv >> ${marker}; cat "$1"' --`],
    ]) {
      gitIn(repo.dir, 'config', key as string, value as string);
    }
    const manager = testManager({ roots: [roots] });
    const ws = await manager.acquire(request(tempDataDir(), { kind: 'git', url: repo.dir }));
    fs.writeFileSync(path.join(ws.root, 'a.txt'), 'changed\n');
    const changes = await ws.changes();
    expect(changes.changedFiles).toEqual(['a.txt']);
    ws.release();
    expect(fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '').toBe('');
  });

  it('runs no hook or fsmonitor planted in the clone’s own git directory when taking a snapshot or its fingerprint', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const marker = path.join(tempDataDir(), 'pwned');
    const repo = makeRepo(roots, { 'a.txt': 'a\n' });
    const manager = testManager({ roots: [roots] });
    const ws = await manager.acquire(request(tempDataDir(), { kind: 'git', url: repo.dir }));
    const gitDir = fs.readFileSync(path.join(ws.root, '.git'), 'utf8').replace('gitdir: ', '').trim();
    // What a `workspace:bash` command could do to the clone it works in.
    fs.mkdirSync(path.join(gitDir, 'hooks'), { recursive: true });
    for (const hook of ['post-index-change', 'reference-transaction', 'post-checkout']) {
      fs.writeFileSync(path.join(gitDir, 'hooks', hook), `#!/bin/sh\necho ${hook} >> ${marker}\n`, { mode: 0o755 });
    }
    fs.appendFileSync(path.join(gitDir, 'config'), `[core]\n\tfsmonitor = echo fsmonitor >> ${marker}\n\thooksPath = ${path.join(gitDir, 'hooks')}\n`);
    fs.writeFileSync(path.join(ws.root, 'b.txt'), 'new\n');
    expect((await ws.changes()).changedFiles).toEqual(['b.txt']);
    await ws.fingerprint();
    ws.release();
    expect(fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '').toBe('');
  });
  it('runs no filter driver planted in the clone’s git config and .gitattributes (also through an include) when taking a snapshot or its fingerprint', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const marker = path.join(tempDataDir(), 'pwned');
    const repo = makeRepo(roots, { 'a.txt': 'a\n' });
    const manager = testManager({ roots: [roots] });
    const ws = await manager.acquire(request(tempDataDir(), { kind: 'git', url: repo.dir }));
    const gitDir = fs.readFileSync(path.join(ws.root, '.git'), 'utf8').replace('gitdir: ', '').trim();
    const included = path.join(tempDataDir(), 'more.config');
    fs.writeFileSync(included, `[filter "inc.x"]\n\tclean = "echo included >> ${marker}; cat"\n`);
    fs.appendFileSync(
      path.join(gitDir, 'config'),
      `[filter "evil"]\n\tclean = "echo clean >> ${marker}; cat"\n\tprocess = "echo process >> ${marker}"\n\trequired = true\n[include]\n\tpath = ${included}\n`,
    );
    fs.writeFileSync(path.join(ws.root, '.gitattributes'), '*.txt filter=evil\n*.md filter=inc.x\n');
    fs.writeFileSync(path.join(ws.root, 'b.txt'), 'new\n');
    fs.writeFileSync(path.join(ws.root, 'c.md'), 'doc\n');
    expect((await ws.changes()).changedFiles).toEqual(['.gitattributes', 'b.txt', 'c.md']);
    await ws.fingerprint();
    ws.release();
    expect(fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '').toBe('');
  });
});

describe('git urls', () => {
  it('accepts https URLs and absolute paths only', () => {
    expect(parseGitUrl('https://github.com/acme/app.git')).toEqual({ kind: 'https', url: 'https://github.com/acme/app.git', host: 'github.com', port: 443 });
    expect(parseGitUrl('https://git.example:8443/x')).toMatchObject({ host: 'git.example', port: 8443 });
    expect(parseGitUrl('/srv/repos/app')).toEqual({ kind: 'local', path: '/srv/repos/app' });
  });

  it.each([
    ['ext::sh -c touch% /tmp/pwned', 'refused'],
    ['ext::sh', 'https:// URL or an absolute local path'],
    ['file:///etc', 'https:// URL or an absolute local path'],
    ['ssh://host/repo', 'https:// URL'],
    ['git@github.com:acme/app.git', 'https:// URL'],
    ['http://github.com/acme/app', 'https:// URL'],
    ['--upload-pack=touch', 'https:// URL'],
    ['-u', 'https:// URL'],
    ['relative/path', 'https:// URL'],
    ['https://user:secret@github.com/acme/app', 'credentials may not be written'],
    ['https://github.com/a b', 'whitespace'],
    ['/srv/x\nhttps://evil', 'whitespace or control'],
    ['/srv/repo::ext', 'transport'],
  ])('refuses %j', (url, message) => {
    expect(() => parseGitUrl(url)).toThrow(message);
  });

  it('refuses an ext:: url before git runs it', async () => {
    const marker = path.join(tempDataDir(), 'pwned');
    const manager = testManager({ roots: [] });
    const error = await rejection(manager.acquire(request(tempDataDir(), { kind: 'git', url: `ext::sh -c touch% ${marker}` })));
    expect(error.code).toBe('workspace_url_refused');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('lets only https URLs without credentials and absolute paths through, whatever the string (fuzz)', () => {
    const tricky = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .constantFrom('https://', 'http://', 'ext::', 'file://', '/', '-', '--', '::', '@', ':', 'user:pw@', 'HTTPS://', '\n', ' ', 'git@h:')
        .chain((prefix) => fc.string({ maxLength: 40 }).map((rest) => prefix + rest)),
    );
    fc.assert(
      fc.property(tricky, (url) => {
        let source: ReturnType<typeof parseGitUrl>;
        try {
          source = parseGitUrl(url);
        } catch (error) {
          expect(error).toBeInstanceOf(WorkspaceError);
          return;
        }
        if (source.kind === 'local') {
          expect(source.path.startsWith('/')).toBe(true);
          expect(source.path).not.toContain('::');
        } else {
          const parsed = new URL(source.url);
          expect(parsed.protocol).toBe('https:');
          expect(parsed.username + parsed.password).toBe('');
          expect(source.url).not.toMatch(/\s/);
        }
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (ref) => {
        try {
          checkGitRef(ref);
        } catch {
          return;
        }
        expect(ref.startsWith('-')).toBe(false);
        expect(ref).not.toContain('..');
        expect(ref).toMatch(/^[A-Za-z0-9._/+-]+$/);
      }),
      { numRuns: 5000 },
    );
  });

  it('checks refs', () => {
    for (const ok of ['main', 'release/1.2', 'v1.0.0', 'a'.repeat(40)]) expect(() => checkGitRef(ok)).not.toThrow();
    for (const bad of ['-main', '--upload-pack=x', 'a..b', 'x.lock', 'refs//x', '.hidden', 'a b', 'a@{1}', 'x/'])
      expect(() => checkGitRef(bad)).toThrow('not a valid');
  });
});

describe('https address policy and pinning', () => {
  const https = (url: string) => parseGitUrl(url) as Extract<ReturnType<typeof parseGitUrl>, { kind: 'https' }>;

  it('pins the host to the address it was checked at', async () => {
    const config = await pinnedHttpsConfig({
      source: https('https://git.example/acme/app'),
      policy: DEFAULT_ADDRESS_POLICY,
      lookup: async () => ['93.184.216.34'],
    });
    expect(config).toEqual(['http.curloptResolve=git.example:443:93.184.216.34']);
    const v6 = await pinnedHttpsConfig({
      source: https('https://git.example:8443/x'),
      policy: DEFAULT_ADDRESS_POLICY,
      lookup: async () => ['2606:2800:220:1::1'],
    });
    expect(v6).toEqual(['http.curloptResolve=git.example:8443:[2606:2800:220:1::1]']);
  });

  it('pins to an allowed address when the name also resolves to a refused one', async () => {
    const config = await pinnedHttpsConfig({
      source: https('https://git.example/x'),
      policy: DEFAULT_ADDRESS_POLICY,
      lookup: async () => ['127.0.0.1', '93.184.216.34'],
    });
    expect(config).toEqual(['http.curloptResolve=git.example:443:93.184.216.34']);
  });

  it('refuses loopback, link-local (metadata) and, when asked, private addresses', async () => {
    const refuse = async (url: string, addresses: string[], policy = DEFAULT_ADDRESS_POLICY) =>
      rejection(pinnedHttpsConfig({ source: https(url), policy, lookup: async () => addresses }));
    expect((await refuse('https://git.example/x', ['127.0.0.1'])).message).toContain('loopback addresses are refused');
    expect((await refuse('https://169.254.169.254/latest', [])).message).toContain('cloud metadata addresses are refused');
    expect((await refuse('https://git.example/x', ['169.254.1.1'])).message).toContain('link-local');
    expect((await refuse('https://[::1]/x', [])).code).toBe('workspace_address_refused');
    const denyPrivate = { ...DEFAULT_ADDRESS_POLICY, denyPrivate: true };
    expect((await refuse('https://git.internal/x', ['10.0.0.5'], denyPrivate)).message).toContain('WEFT_HTTP_DENY_PRIVATE');
  });

  it('lets WEFT_HTTP_ALLOW open a host', async () => {
    const policy = { ...DEFAULT_ADDRESS_POLICY, allow: parseAllowList('git.local').entries };
    expect(await pinnedHttpsConfig({ source: https('https://git.local/x'), policy, lookup: async () => ['127.0.0.1'] })).toEqual([
      'http.curloptResolve=git.local:443:127.0.0.1',
    ]);
  });

  it('refuses an https clone to a refused address before asking for a credential', async () => {
    let asked = 0;
    const manager = testManager({
      roots: [],
      lookup: async () => ['127.0.0.1'],
      gitCredential: async () => {
        asked++;
        return { username: 'x', password: 'y' };
      },
    });
    const error = await rejection(manager.acquire(request(tempDataDir(), { kind: 'git', url: 'https://git.example/acme/app', integration: 'github' })));
    expect(error.code).toBe('workspace_address_refused');
    expect(asked).toBe(0);
  });

  it('refuses an integration without a way to fetch its credential, and on a local url', async () => {
    const manager = testManager({ roots: [] });
    expect((await rejection(manager.acquire(request(tempDataDir(), { kind: 'git', url: 'https://git.example/x', integration: 'github' })))).code).toBe(
      'workspace_credential_unavailable',
    );
    expect((await rejection(manager.acquire(request(tempDataDir(), { kind: 'git', url: '/srv/x', integration: 'github' })))).message).toContain(
      'https:// URLs only',
    );
  });
});
