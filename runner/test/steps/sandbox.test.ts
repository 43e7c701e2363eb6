import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { NonRetriableStepError, StepFailedError } from '../../src/engine/errors';
import { createBashStep } from '../../src/steps/bash';
import { afterPipesClose, killProcessGroup, shellPath, spawnStepShell } from '../../src/steps/child-process';
import { parseSandboxPaths, resolveSandbox, type Sandbox } from '../../src/steps/sandbox';
import { bashTool } from '../../src/workspace/tools/bash';
import { tempDataDir } from '../helpers/engine-harness';
import { makeRepo, testManager } from '../helpers/git-repo';
import { processesWithArgument } from '../helpers/processes';
import { releaseLifeline } from '../../src/steps/lifeline';
import { stepContext } from '../helpers/step-context';
import { TEST_STEP_ENVIRONMENT } from '../helpers/step-handlers';
import { waitFor } from '../helpers/wait-for';

const bash = (command: string, extra: Record<string, unknown> = {}) => ({ id: 'step_one', type: 'bash' as const, command, ...extra });

/** bwrap as the runner settles it with WEFT_SANDBOX=bwrap (CI installs bubblewrap; `.ci/run`). */
function bwrapSandbox(paths: { readPaths?: string[]; writePaths?: string[] } = {}, environment: Record<string, string> = TEST_STEP_ENVIRONMENT): Sandbox {
  const { sandbox, problem } = resolveSandbox({
    mode: 'bwrap',
    environment,
    readPaths: paths.readPaths ?? [],
    writePaths: paths.writePaths ?? [],
    shell: shellPath(),
  });
  if (problem) throw new Error(`${problem}: install bubblewrap to run these tests`);
  return sandbox;
}

/** A host directory outside every run directory, with a file a step must not see (a server's key, say). */
function hostSecret(): { dir: string; file: string } {
  const dir = tempDataDir();
  const file = path.join(dir, 'secret.key');
  fs.writeFileSync(file, 'the-secret\n', { mode: 0o600 });
  return { dir, file };
}

const stdoutOf = (output: unknown) => (output as { stdout: string }).stdout;

describe('resolving WEFT_SANDBOX', () => {
  it('finds bwrap on the PATH and shows it starts a shell', () => {
    const sandbox = bwrapSandbox();
    expect(sandbox).toMatchObject({ kind: 'bwrap', bwrap: expect.stringMatching(/\/bwrap$/) });
  });

  it('without bwrap: `auto` runs unsandboxed and says why, `bwrap` is a problem that stops the runner, `off` asks nothing', () => {
    const empty = tempDataDir();
    const base = { environment: { PATH: empty }, readPaths: [], writePaths: [], shell: shellPath() };
    expect(resolveSandbox({ ...base, mode: 'auto' })).toEqual({ sandbox: { kind: 'none', reason: 'bwrap (bubblewrap) is not on the PATH' }, problem: null });
    expect(resolveSandbox({ ...base, mode: 'bwrap' }).problem).toBe('WEFT_SANDBOX=bwrap: bwrap (bubblewrap) is not on the PATH');
    expect(resolveSandbox({ ...base, mode: 'off' })).toEqual({ sandbox: { kind: 'none', reason: 'WEFT_SANDBOX=off' }, problem: null });
  });

  it('with a bwrap that cannot start a shell, `bwrap` is a problem naming what it printed', () => {
    const dir = tempDataDir();
    fs.writeFileSync(path.join(dir, 'bwrap'), '#!/bin/sh\necho "No permissions to creating new namespace" >&2\nexit 1\n', { mode: 0o755 });
    const { sandbox, problem } = resolveSandbox({ mode: 'bwrap', environment: { PATH: dir }, readPaths: [], writePaths: [], shell: shellPath() });
    expect(sandbox.kind).toBe('none');
    expect(problem).toBe('WEFT_SANDBOX=bwrap: bwrap could not start a shell here (No permissions to creating new namespace)');
  });

  it('refuses relative paths, "/" and an unknown mode in the runner configuration', () => {
    expect(parseSandboxPaths('/srv/reports::/opt/tools/', 'WEFT_SANDBOX_WRITE_PATHS')).toEqual({ paths: ['/srv/reports', '/opt/tools'], problems: [] });
    expect(parseSandboxPaths('reports:/', 'WEFT_SANDBOX_WRITE_PATHS').problems).toEqual([
      'WEFT_SANDBOX_WRITE_PATHS: "reports" is not an absolute path',
      'WEFT_SANDBOX_WRITE_PATHS: "/" would undo the sandbox; name the directories steps need',
    ]);
    const base = { WEFT_RUNNER_TOKEN: 't', WEFT_DATA_DIR: tempDataDir() };
    expect(() => loadConfig({ ...base, WEFT_SANDBOX: 'maybe' })).toThrow(/WEFT_SANDBOX="maybe": must be auto, bwrap or off/);
    expect(() => loadConfig({ ...base, WEFT_SANDBOX_READ_PATHS: 'docs' })).toThrow(ConfigError);
    expect(loadConfig({ ...base, WEFT_SANDBOX_READ_PATHS: '/srv/docs' }).sandbox).toEqual({
      mode: 'auto',
      readPaths: ['/srv/docs'],
      writePaths: [],
      network: 'host',
    });
  });
});

describe('bash step in the sandbox', () => {
  it('cannot read a file elsewhere on the host that the runner’s user can (without the sandbox it can)', async () => {
    const secret = hostSecret();
    const command = `cat ${secret.file}`;
    const open = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r' });
    expect(stdoutOf(await open.run(stepContext(), bash(command)))).toBe('the-secret\n');

    const boxed = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
    const refused = boxed.run(stepContext(), bash(command));
    await expect(refused).rejects.toBeInstanceOf(StepFailedError);
    await expect(refused).rejects.toThrow(/No such file or directory/);
  });

  it('writes its run directory; writes elsewhere fail, and its /tmp is its own', async () => {
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
    const ctx = stepContext();
    const other = tempDataDir();
    const marker = `weft-sandbox-${process.pid}-${Date.now()}`;
    const output = await step.run(
      ctx,
      bash(`echo kept > "$WEFT_RUN_DIR/kept.txt"; echo tmp > /tmp/${marker}; cat /tmp/${marker}; echo lost > ${other}/lost.txt 2>/dev/null || echo refused`),
    );
    expect(stdoutOf(output)).toBe('tmp\nrefused\n');
    expect(fs.readFileSync(path.join(ctx.workDir, 'kept.txt'), 'utf8')).toBe('kept\n');
    expect(fs.existsSync(path.join(other, 'lost.txt'))).toBe(false);
    expect(fs.existsSync(path.join('/tmp', marker))).toBe(false);
  });

  it('gets an empty HOME of its own and still runs the tools on its PATH', async () => {
    const home = tempDataDir();
    fs.mkdirSync(path.join(home, '.ssh'));
    fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'private key\n');
    const environment = { ...TEST_STEP_ENVIRONMENT, HOME: home };
    const step = createBashStep({ environment, runnerName: 'r', sandbox: bwrapSandbox({}, environment) });
    const output = await step.run(
      stepContext(),
      bash('ls -A "$HOME" | wc -l; echo note > "$HOME/note"; cat "$HOME/note"; git --version | cut -d" " -f1-2; node -e "console.log(6*7)"'),
    );
    expect(stdoutOf(output)).toBe('0\nnote\ngit version\n42\n');
    expect(fs.readdirSync(home)).toEqual(['.ssh']);
  });

  it('binds what the runner’s PATH and HOME name, never what a step’s own `env` sets them to', async () => {
    const secret = hostSecret();
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
    // A workflow (or a model drafting one) sets PATH to a directory it wants to read: it stays hidden.
    const output = await step.run(
      stepContext(),
      bash(`cat ${secret.file} 2>/dev/null || echo hidden`, { env: { PATH: `${secret.dir}:/usr/bin:/bin`, HOME: secret.dir } }),
    );
    expect(stdoutOf(output)).toBe('hidden\n');
    expect(fs.readFileSync(secret.file, 'utf8')).toBe('the-secret\n');
  });

  it('can neither see nor signal the runner', async () => {
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
    const output = await step.run(stepContext(), bash(`kill -0 ${process.pid} 2>/dev/null && echo reached || echo unreachable; ls /proc | grep -c '^[0-9]'`));
    const [reach, processes] = stdoutOf(output).trim().split('\n');
    expect(reach).toBe('unreachable');
    // bwrap's init, the shell and the pipeline's two commands at most: none of the host's processes.
    expect(Number(processes)).toBeLessThanOrEqual(5);
  });

  it('takes every process it started along when it is canceled, even one that left its process group', async () => {
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
    const ctx = stepContext();
    const marker = `${300 + (process.pid % 97)}.${Date.now() % 1000}`;
    const running = step.run(ctx, bash(`setsid sleep ${marker} >/dev/null 2>&1 & sleep ${marker}`));
    await waitFor(() => processesWithArgument(marker).length === 2, { message: 'both sleeps to start' });
    ctx.controller.abort(new Error('canceled by the test'));
    await expect(running).rejects.toThrow('canceled by the test');
    await waitFor(() => processesWithArgument(marker).length === 0, { message: 'the sandbox to take both sleeps along' });
  });

  it('ends a background process with the command (outside the sandbox it would live on)', async () => {
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
    const marker = `${400 + (process.pid % 89)}.${Date.now() % 1000}`;
    await step.run(stepContext(), bash(`sleep ${marker} >/dev/null 2>&1 & echo started`));
    await waitFor(() => processesWithArgument(marker).length === 0, { message: 'the background sleep to end with the sandbox' });
  });

  it('reaches WEFT_SANDBOX_WRITE_PATHS writable and WEFT_SANDBOX_READ_PATHS read-only, and may start in either', async () => {
    const reports = tempDataDir();
    const docs = tempDataDir();
    fs.writeFileSync(path.join(docs, 'guide.txt'), 'guide\n');
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox({ readPaths: [docs], writePaths: [reports] }) });
    const output = await step.run(
      stepContext(),
      bash(`cat guide.txt; echo r > ${reports}/r.txt; echo x > guide.txt 2>/dev/null || echo read-only`, { cwd: docs }),
    );
    expect(stdoutOf(output)).toBe('guide\nread-only\n');
    expect(fs.readFileSync(path.join(reports, 'r.txt'), 'utf8')).toBe('r\n');
    expect(fs.readFileSync(path.join(docs, 'guide.txt'), 'utf8')).toBe('guide\n');
  });

  it('refuses a cwd the sandbox does not show, naming the variables that would', async () => {
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
    const elsewhere = tempDataDir();
    const refused = step.run(stepContext(), bash('ls', { cwd: elsewhere }));
    await expect(refused).rejects.toBeInstanceOf(NonRetriableStepError);
    await expect(refused).rejects.toMatchObject({
      code: 'bash_cwd_outside_sandbox',
      message: `cwd ${elsewhere} is outside the step's sandbox: add it to the runner's WEFT_SANDBOX_WRITE_PATHS or WEFT_SANDBOX_READ_PATHS`,
    });
    // The system's directories are shown (read-only).
    expect(stdoutOf(await step.run(stepContext(), bash('pwd', { cwd: '/usr' })))).toBe('/usr\n');
  });

  it('hides the run directory’s git workspaces from a step, so it cannot rewrite what their diffs are made from', async () => {
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
    const ctx = stepContext();
    const gitDir = path.join(ctx.workDir, 'workspaces', 'abc.git');
    fs.mkdirSync(path.join(gitDir, 'objects', 'info'), { recursive: true });
    fs.writeFileSync(path.join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
    const output = await step.run(ctx, bash('ls -A workspaces | wc -l; echo /elsewhere > workspaces/abc.git/objects/info/alternates 2>/dev/null; echo done'));
    expect(stdoutOf(output)).toBe('0\ndone\n');
    expect(fs.existsSync(path.join(gitDir, 'objects', 'info', 'alternates'))).toBe(false);
    expect(fs.readdirSync(gitDir).sort()).toEqual(['HEAD', 'objects']);
  });
});

describe('git workspaces in the sandbox', () => {
  it('a bash step edits the workspace and its diff says so, but cannot reach the git directory beside it', async () => {
    const roots = fs.realpathSync(tempDataDir());
    const repo = makeRepo(roots, { 'src/a.txt': 'a\n' });
    const step = createBashStep({
      environment: TEST_STEP_ENVIRONMENT,
      runnerName: 'r',
      sandbox: bwrapSandbox(),
      workspaces: testManager({ roots: [roots] }),
    });
    const ctx = stepContext();
    const command = 'echo b >> src/a.txt; ls -A .. | wc -l; ls -d ../*.git 2>/dev/null || echo no-git-dir; echo "$PWD" > ../marker 2>/dev/null; echo done';
    const output = (await step.run(ctx, bash(command, { workspace: { git: { url: repo.dir } } }))) as {
      stdout: string;
      changedFiles: string[];
      workspace: { diff: string };
    };
    // The workspace root alone is shown under `workspaces/`: not its git directory, not its view.
    expect(output.stdout).toBe('1\nno-git-dir\ndone\n');
    expect(output.changedFiles).toEqual(['src/a.txt']);
    expect(output.workspace.diff).toContain('+b');
    const base = path.join(ctx.workDir, 'workspaces');
    expect(fs.readdirSync(base).some((name) => name.endsWith('.git'))).toBe(true);
    expect(fs.existsSync(path.join(base, 'marker'))).toBe(false);
  });

  it('a `workspace:bash` command sees its workspace root and nothing beside it', async () => {
    const parent = tempDataDir();
    const root = path.join(parent, 'tree');
    fs.mkdirSync(root);
    fs.mkdirSync(path.join(parent, 'tree.git'));
    fs.writeFileSync(path.join(parent, 'tree.git', 'HEAD'), 'ref: refs/heads/main\n');
    const logs: string[] = [];
    const output = await bashTool({
      root,
      input: { command: 'echo edited > file.txt; cat ../tree.git/HEAD 2>/dev/null || echo hidden; touch ../tree.git/planted 2>/dev/null; pwd' },
      env: { ...TEST_STEP_ENVIRONMENT },
      sandbox: bwrapSandbox(),
      signal: new AbortController().signal,
      log: (_stream, text) => logs.push(text),
    });
    expect(output).toMatchObject({ exitCode: 0, stdoutTail: `hidden\n${root}\n`, timedOut: false });
    expect(fs.readFileSync(path.join(root, 'file.txt'), 'utf8')).toBe('edited\n');
    expect(fs.readdirSync(path.join(parent, 'tree.git'))).toEqual(['HEAD']);
  });
});

describe('the runner’s data directory in the sandbox', () => {
  it('stays hidden under a shown directory, with the step’s own run directory put back', async () => {
    // As if Weft lived in /opt/weft: the install is readable, its data (token, database, key) is not.
    const install = tempDataDir();
    const dataDir = path.join(install, 'data');
    const runDir = path.join(dataDir, 'runs', 'exe_1');
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'runner-token'), 'runner-secret\n');
    fs.writeFileSync(path.join(install, 'README'), 'readme\n');
    const { sandbox } = resolveSandbox({
      mode: 'bwrap',
      environment: TEST_STEP_ENVIRONMENT,
      readPaths: [install],
      writePaths: [],
      hidePaths: [dataDir],
      shell: shellPath(),
    });
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox });
    const output = await step.run(
      stepContext({ workDir: runDir }),
      bash(`cat ${install}/README; cat ${dataDir}/runner-token 2>/dev/null || echo hidden; echo mine > own.txt; ls ${dataDir}/runs`),
    );
    expect(stdoutOf(output)).toBe('readme\nhidden\nexe_1\n');
    expect(fs.readFileSync(path.join(runDir, 'own.txt'), 'utf8')).toBe('mine\n');
    await expect(step.run(stepContext({ workDir: runDir }), bash('ls', { cwd: dataDir }))).rejects.toMatchObject({ code: 'bash_cwd_outside_sandbox' });
  });

  it('is shown where the operator names it in WEFT_SANDBOX_WRITE_PATHS', async () => {
    const dataDir = tempDataDir();
    const { sandbox } = resolveSandbox({
      mode: 'bwrap',
      environment: TEST_STEP_ENVIRONMENT,
      readPaths: [],
      writePaths: [dataDir],
      hidePaths: [dataDir],
      shell: shellPath(),
    });
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox });
    await step.run(stepContext(), bash(`echo traced >> ${dataDir}/trace.log`));
    expect(fs.readFileSync(path.join(dataDir, 'trace.log'), 'utf8')).toBe('traced\n');
  });
});

describe('path and shared workspaces in the sandbox', () => {
  it('a bash step writes its shared workspace, kept in the hidden data directory, and its path workspace, and nothing beside them', async () => {
    const dataDir = tempDataDir();
    const roots = fs.realpathSync(tempDataDir());
    const work = path.join(roots, 'app');
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(roots, 'neighbour.txt'), 'not yours\n');
    const { sandbox } = resolveSandbox({
      mode: 'bwrap',
      environment: TEST_STEP_ENVIRONMENT,
      readPaths: [],
      writePaths: [],
      hidePaths: [dataDir],
      shell: shellPath(),
    });
    const step = createBashStep({
      environment: TEST_STEP_ENVIRONMENT,
      runnerName: 'r',
      sandbox,
      workspaces: testManager({ roots: [roots], sharedRoot: path.join(dataDir, 'workspaces') }),
    });
    const runDir = path.join(dataDir, 'runs', 'exe_1');
    const shared = await step.run(stepContext({ workDir: runDir }), bash('echo cached > cache.txt; pwd', { workspace: { shared: 'cache' } }));
    const sharedRoot = stdoutOf(shared).trim();
    expect(sharedRoot.startsWith(path.join(dataDir, 'workspaces'))).toBe(true);
    expect(fs.readFileSync(path.join(sharedRoot, 'cache.txt'), 'utf8')).toBe('cached\n');

    const inPlace = await step.run(
      stepContext({ workDir: runDir }),
      bash('echo edited > file.txt; cat ../neighbour.txt 2>/dev/null || echo hidden', { workspace: { path: work } }),
    );
    expect(stdoutOf(inPlace)).toBe('hidden\n');
    expect(fs.readFileSync(path.join(work, 'file.txt'), 'utf8')).toBe('edited\n');
  });
});

describe('the sandbox’s network', () => {
  it('is the host’s by default (a loopback service answers), and none at all with WEFT_SANDBOX_NETWORK=none', async () => {
    const service = net.createServer((socket) => socket.end('hello\n'));
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const port = (service.address() as net.AddressInfo).port;
    try {
      const command = `exec 3<>/dev/tcp/127.0.0.1/${port} 2>/dev/null && head -1 <&3 || echo unreachable`;
      const shared = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: bwrapSandbox() });
      expect(stdoutOf(await shared.run(stepContext(), bash(command)))).toBe('hello\n');
      const { sandbox } = resolveSandbox({
        mode: 'bwrap',
        environment: TEST_STEP_ENVIRONMENT,
        readPaths: [],
        writePaths: [],
        network: 'none',
        shell: shellPath(),
      });
      const isolated = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox });
      expect(stdoutOf(await isolated.run(stepContext(), bash(command)))).toBe('unreachable\n');
    } finally {
      service.close();
    }
    expect(() => loadConfig({ WEFT_RUNNER_TOKEN: 't', WEFT_DATA_DIR: tempDataDir(), WEFT_SANDBOX_NETWORK: 'lan' })).toThrow(
      /WEFT_SANDBOX_NETWORK="lan": must be host or none/,
    );
  });
});

/**
 * A shared library whose constructor appends a line to `marker`, a host path outside every
 * sandbox: it can only be written from a process that is not sandboxed. Null without a C compiler.
 */
function markerLibrary(dir: string, marker: string): string | null {
  const source = path.join(dir, 'evil.c');
  const library = path.join(dir, 'evil.so');
  fs.writeFileSync(
    source,
    `#include <fcntl.h>\n#include <unistd.h>\n__attribute__((constructor)) static void escape(void) {\n  int fd = open(${JSON.stringify(marker)}, O_WRONLY | O_CREAT | O_APPEND, 0600);\n  if (fd >= 0) { write(fd, "outside\\n", 8); close(fd); }\n}\n`,
  );
  const compiled = spawnSync('cc', ['-shared', '-fPIC', '-o', library, source], { encoding: 'utf8' });
  return compiled.status === 0 ? library : null;
}

const hasCompiler = spawnSync('cc', ['--version']).status === 0;

describe('a step’s environment and bwrap', () => {
  it.skipIf(!hasCompiler)('LD_PRELOAD in a workspace:bash environment loads only inside the sandbox, never into bwrap on the host', async () => {
    const root = tempDataDir();
    const marker = path.join(tempDataDir(), 'escaped');
    const library = markerLibrary(root, marker);
    expect(library).not.toBeNull();
    // Unsandboxed, the library runs (the check works); in the sandbox the host path is not there.
    const open = await bashTool({
      root,
      input: { command: 'echo inside' },
      env: { ...TEST_STEP_ENVIRONMENT, LD_PRELOAD: library! },
      sandbox: { kind: 'none', reason: 'test' },
      signal: new AbortController().signal,
      log: () => {},
    });
    expect(open).toMatchObject({ exitCode: 0, stdoutTail: 'inside\n' });
    expect(fs.existsSync(marker)).toBe(true);
    fs.rmSync(marker);

    const boxed = await bashTool({
      root,
      input: { command: 'echo "inside $LD_PRELOAD"' },
      env: { ...TEST_STEP_ENVIRONMENT, LD_PRELOAD: library!, LD_AUDIT: library!, LD_LIBRARY_PATH: root },
      sandbox: bwrapSandbox(),
      signal: new AbortController().signal,
      log: () => {},
    });
    // The sandboxed shell still has the variable: it is the step's, inside.
    expect(boxed).toMatchObject({ exitCode: 0, stdoutTail: `inside ${library}\n` });
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('bwrap itself starts with an empty environment, and its command line holds none of the step’s values', async () => {
    const value = `step-value-${process.pid}-${Date.now()}`;
    const cwd = tempDataDir();
    const child = spawnStepShell({
      script: 'echo "$WEFT_PROBE $LANG"; sleep 30',
      cwd,
      env: { ...TEST_STEP_ENVIRONMENT, WEFT_PROBE: value },
      sandbox: bwrapSandbox(),
      view: { writable: [cwd] },
    });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')));
        child.once('exit', (code) => reject(new Error(`bwrap exited (${String(code)}) before the shell printed`)));
      });
      // The sandboxed shell got the step's variables...
      expect(firstLine).toBe(`${value} C.UTF-8\n`);
      // ...and bwrap, which ran on the host before any namespace existed, none at all.
      expect(fs.readFileSync(`/proc/${child.pid}/environ`, 'utf8')).toBe('');
      expect(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).not.toContain(value);
    } finally {
      killProcessGroup(child);
      releaseLifeline(child);
      await new Promise<void>((resolve) => afterPipesClose(child, resolve, 100));
    }
  });

  it.each([
    ['sandboxed', () => bwrapSandbox()],
    ['unsandboxed (WEFT_SANDBOX=off)', () => ({ kind: 'none', reason: 'WEFT_SANDBOX=off' }) as Sandbox],
  ])('a bash step %s refuses LD_PRELOAD and the like in its env, even when the definition skipped validation', async (_mode, sandbox) => {
    const step = createBashStep({ environment: TEST_STEP_ENVIRONMENT, runnerName: 'r', sandbox: sandbox() });
    const ctx = stepContext();
    const marker = path.join(tempDataDir(), 'escaped');
    const library = hasCompiler ? markerLibrary(ctx.workDir, marker) : path.join(ctx.workDir, 'evil.so');
    for (const name of ['LD_PRELOAD', 'LD_AUDIT', 'LD_LIBRARY_PATH', 'BASH_ENV', 'GCONV_PATH']) {
      const refused = step.run(ctx, bash('echo inside', { env: { [name]: library } }));
      await expect(refused).rejects.toBeInstanceOf(NonRetriableStepError);
      await expect(refused).rejects.toMatchObject({ code: 'bash_unsafe_env', message: expect.stringMatching(new RegExp(`^env\\.${name}: would run code`)) });
    }
    expect(fs.existsSync(marker)).toBe(false);
  });
});
