import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NonRetriableStepError, StepFailedError } from '../../src/engine/errors';
import { BASH_DISABLED_MESSAGE, BASH_OUTPUT_CAP_BYTES, bashStep } from '../../src/steps/bash';
import { isAlive } from '../helpers/processes';
import { stepContext } from '../helpers/step-context';
import { waitFor } from '../helpers/wait-for';

const bash = (command: string, extra: Record<string, unknown> = {}) => ({ id: 'step_one', type: 'bash' as const, command, ...extra });

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

describe('bash step', () => {
  it('captures stdout, stderr and exit code 0', async () => {
    const ctx = stepContext();
    const output = await bashStep.run(ctx, bash('echo out; echo err >&2'));
    expect(output).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 0, truncated: { stdout: false, stderr: false } });
    expect(ctx.logs).toEqual(expect.arrayContaining([{ stream: 'stdout', text: 'out\n' }, { stream: 'stderr', text: 'err\n' }]));
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
      bash('echo "{{ inputs.name }} $GREETING $WEFT_EXECUTION_ID $WEFT_STEP_ID $WEFT_ATTEMPT $WEFT_ITERATION_PATH"', { env: { GREETING: 'hi {{ inputs.name }}' } }),
    );
    expect((output as { stdout: string }).stdout).toBe('ada hi ada exe_step_test step_one 4 each[2]\n');
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
