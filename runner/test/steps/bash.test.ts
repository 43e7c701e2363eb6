import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NonRetriableStepError, StepFailedError } from '../../src/engine/errors';
import { BASH_DISABLED_MESSAGE, BASH_OUTPUT_CAP_BYTES, createBashStep } from '../../src/steps/bash';
import { TEST_STEP_ENVIRONMENT, testBashStep } from '../helpers/step-handlers';
import { isAlive, killedAfterEach } from '../helpers/processes';
import { stepContext } from '../helpers/step-context';
import { waitFor } from '../helpers/wait-for';

const bash = (command: string, extra: Record<string, unknown> = {}) => ({ id: 'step_one', type: 'bash' as const, command, ...extra });

const leftovers = killedAfterEach();

const bashStep = testBashStep();

describe('bash step', () => {
  it('captures stdout, stderr and exit code 0', async () => {
    const ctx = stepContext();
    const output = await bashStep.run(ctx, bash('echo out; echo err >&2'));
    expect(output).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 0, truncated: { stdout: false, stderr: false } });
    expect(ctx.logs).toEqual(
      expect.arrayContaining([
        { stream: 'stdout', text: 'out\n' },
        { stream: 'stderr', text: 'err\n' },
      ]),
    );
  });

  it('fails on a non-zero exit with the exit code and the stderr tail', async () => {
    const ctx = stepContext();
    const failure = bashStep.run(ctx, bash('echo first >&2; echo "it broke" >&2; exit 3'));
    await expect(failure).rejects.toBeInstanceOf(StepFailedError);
    await expect(failure).rejects.toMatchObject({ message: 'command exited with code 3: first\nit broke', code: 'bash_exit_code' });
  });

  it('renders the command and env templates and sets WEFT_* variables', async () => {
    const ctx = stepContext({
      attempt: 4,
      iterationPath: 'each[2]',
      scope: { inputs: { name: 'ada' }, steps: {}, trigger: null },
    });
    const output = await bashStep.run(
      ctx,
      bash('echo "{{ inputs.name }} $GREETING $WEFT_EXECUTION_ID $WEFT_WORKFLOW_ID $WEFT_STEP_ID $WEFT_ATTEMPT $WEFT_ITERATION_PATH"', {
        env: { GREETING: 'hi {{ inputs.name }}' },
      }),
    );
    expect((output as { stdout: string }).stdout).toBe('ada hi ada exe_step_test wf_test step_one 4 each[2]\n');
  });

  it('gives the process only its base environment, its env and the WEFT_ context, in the run directory', async () => {
    const ctx = stepContext({ scope: { inputs: { v: 'value' }, steps: {}, trigger: null } });
    const step = createBashStep({
      environment: { PATH: TEST_STEP_ENVIRONMENT.PATH, HOME: '/home/weft-test', LANG: 'C.UTF-8', TZ: 'Europe/Berlin' },
      runnerName: 'runner-7',
    });
    // Whatever the runner process itself holds stays with it: the step's environment is built, not copied.
    const planted = {
      WEFT_TOKEN: 'leak-1',
      WEFT_RUNNER_TOKEN: 'leak-2',
      WEFT_SECRET_KEY: 'leak-3',
      ANTHROPIC_API_KEY: 'leak-4',
      ANTHROPIC_AUTH_TOKEN: 'leak-5',
    };
    const saved = Object.fromEntries(Object.keys(planted).map((name) => [name, process.env[name]]));
    Object.assign(process.env, planted);
    let output: { stdout: string };
    try {
      output = (await step.run(ctx, bash('env -0; printf "cwd=%s" "$PWD"', { env: { DECLARED: '{{ inputs.v }}' } }))) as { stdout: string };
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const [cwdLine, ...reversed] = output.stdout.split('\0').reverse();
    const env = Object.fromEntries(reversed.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const runDir = path.resolve(ctx.workDir);
    expect(Object.keys(env).sort()).toEqual(
      [
        'DECLARED',
        'HOME',
        'LANG',
        'PATH',
        'PWD',
        'SHLVL',
        'TZ',
        'WEFT_ATTEMPT',
        'WEFT_EXECUTION_ID',
        'WEFT_ITERATION_PATH',
        'WEFT_RUN_DIR',
        'WEFT_RUNNER_NAME',
        'WEFT_STEP_ID',
        'WEFT_WORKFLOW_ID',
        '_',
      ].sort(),
    );
    expect(env).toMatchObject({
      DECLARED: 'value',
      HOME: '/home/weft-test',
      LANG: 'C.UTF-8',
      TZ: 'Europe/Berlin',
      WEFT_RUN_DIR: runDir,
      WEFT_EXECUTION_ID: 'exe_step_test',
      WEFT_RUNNER_NAME: 'runner-7',
    });
    expect(output.stdout).not.toMatch(/leak-/);
    expect(fs.realpathSync(cwdLine!.replace(/^cwd=/, ''))).toBe(fs.realpathSync(runDir));
  });

  it('runs in the execution work dir, or cwd relative to it', async () => {
    const ctx = stepContext();
    fs.mkdirSync(path.join(ctx.workDir, 'sub'));
    const here = await bashStep.run(ctx, bash('pwd'));
    expect((here as { stdout: string }).stdout.trim()).toBe(fs.realpathSync(ctx.workDir));
    const sub = await bashStep.run(ctx, bash('pwd', { cwd: 'sub' }));
    expect((sub as { stdout: string }).stdout.trim()).toBe(fs.realpathSync(path.join(ctx.workDir, 'sub')));
    await expect(bashStep.run(ctx, bash('pwd', { cwd: 'missing' }))).rejects.toBeInstanceOf(NonRetriableStepError);
  });

  it('creates the work dir on first use', async () => {
    const ctx = stepContext();
    const workDir = path.join(ctx.workDir, 'runs', 'exe_new');
    await bashStep.run({ ...ctx, workDir }, bash('touch marker'));
    expect(fs.existsSync(path.join(workDir, 'marker'))).toBe(true);
  });

  it('caps captured output at 1 MiB per stream and flags it', async () => {
    const ctx = stepContext();
    const output = (await bashStep.run(ctx, bash('head -c 1500000 /dev/zero | tr "\\0" a; echo small >&2'))) as {
      stdout: string;
      stderr: string;
      truncated: { stdout: boolean; stderr: boolean };
    };
    expect(output.stdout.length).toBe(BASH_OUTPUT_CAP_BYTES);
    expect(output.truncated).toEqual({ stdout: true, stderr: false });
    expect(output.stderr).toBe('small\n');
    // The live log still saw everything.
    expect(ctx.logs.filter((l) => l.stream === 'stdout').reduce((n, l) => n + l.text.length, 0)).toBe(1_500_000);
  });

  it('refuses to run when bash is not allowed', async () => {
    const ctx = stepContext({ allowBash: false });
    const failure = bashStep.run(ctx, bash('touch should-not-exist'));
    await expect(failure).rejects.toBeInstanceOf(NonRetriableStepError);
    await expect(failure).rejects.toThrow(BASH_DISABLED_MESSAGE);
    expect(fs.existsSync(path.join(ctx.workDir, 'should-not-exist'))).toBe(false);
  });

  it('an aborted signal kills the process group', async () => {
    const ctx = stepContext();
    const running = bashStep.run(ctx, bash('sleep 30 & echo $! > child.pid; wait'));
    const child = await waitFor(() => {
      const text = fs.existsSync(path.join(ctx.workDir, 'child.pid')) ? fs.readFileSync(path.join(ctx.workDir, 'child.pid'), 'utf8').trim() : '';
      return text ? Number(text) : null;
    });
    leftovers.push(child);
    ctx.controller.abort(new Error('timeout'));
    await expect(running).rejects.toThrow('timeout');
    await waitFor(() => !isAlive(child), { message: 'the background child to die' });
  });

  it('reports a signal death', async () => {
    const ctx = stepContext();
    await expect(bashStep.run(ctx, bash('kill -TERM $$'))).rejects.toThrow('command was killed by SIGTERM (exit code 143)');
  });
});

describe('bash step lifeline (the process group dies with the runner, not with the step)', () => {
  it('a command that waits for its own background jobs does not wait for the watcher', async () => {
    const ctx = stepContext();
    // The watcher lives as long as the runner: waiting for it would never end, and the test's timeout says so.
    const output = (await bashStep.run(ctx, bash('sleep 0.1 & wait; echo waited'))) as { stdout: string };
    expect(output.stdout).toBe('waited\n');
  });

  it('leaves a background process of a step that ended normally alone', async () => {
    const ctx = stepContext();
    const output = (await bashStep.run(ctx, bash('sleep 30 >/dev/null 2>&1 & echo $$ $!'))) as { stdout: string };
    const [group, pid] = output.stdout.trim().split(' ').map(Number) as [number, number];
    try {
      // Once the watcher has read "done" and left, the background process is all that is left of
      // the step's group: had the watcher killed the group, it would be gone too.
      const members = () =>
        execFileSync('ps', ['-o', 'pid=', '-g', String(group)], { encoding: 'utf8' })
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map(Number);
      await waitFor(() => members().length === 1);
      expect(members()).toEqual([pid]);
      expect(isAlive(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('does not hand the lifeline to the command (fd 3 is closed)', async () => {
    const ctx = stepContext();
    const output = (await bashStep.run(ctx, bash('if { true >&3; } 2>/dev/null; then echo open; else echo closed; fi'))) as { stdout: string };
    expect(output.stdout).toBe('closed\n');
  });
});
