import { z } from 'zod';
import { NonEmptyTemplate, TemplateSource, stepCommonShape, templateMapSites } from './common';
import { codeEnvNameProblem } from './shell-commands';
import { SHELL_ARG_PREFIX, compileShellTemplate } from './shell-template';
import { excerpt } from './text';
import type { ExpressionSite, StepCatalogueEntry } from './types';
import { WorkspaceChanges, WorkspaceSpec } from './workspace';
import { workspaceSites } from './workspace-sites';

export const ENV_VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The context Weft gives every bash step; a step's `env` cannot set these, nor `WEFT_ARG_<n>`. */
export const BASH_CONTEXT_ENV = [
  'WEFT_EXECUTION_ID',
  'WEFT_WORKFLOW_ID',
  'WEFT_STEP_ID',
  'WEFT_ATTEMPT',
  'WEFT_ITERATION_PATH',
  'WEFT_RUN_DIR',
  'WEFT_RUNNER_NAME',
] as const;

/** Names the loader or shell runs code from (shell-commands.ts); the runner checks a step's `env` with it too. */
export { codeEnvNameProblem };

function isReservedEnvName(name: string): boolean {
  return (BASH_CONTEXT_ENV as readonly string[]).includes(name) || name.startsWith(SHELL_ARG_PREFIX);
}

/** A command whose `{{ }}` placements the shell can take as data (see `shell-template.ts`). */
const ShellCommandTemplate = NonEmptyTemplate.superRefine((source, ctx) => {
  let result: ReturnType<typeof compileShellTemplate>;
  try {
    result = compileShellTemplate(source);
  } catch {
    return; // The template does not parse: NonEmptyTemplate already said so.
  }
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
});

export const BashStep = z.strictObject({
  ...stepCommonShape,
  type: z.literal('bash'),
  command: ShellCommandTemplate,
  cwd: NonEmptyTemplate.optional(),
  env: z
    .record(
      z
        .string()
        .regex(ENV_VAR_NAME_PATTERN, { error: 'must be a valid environment variable name' })
        .refine((name) => !isReservedEnvName(name), { error: `is set by Weft (${BASH_CONTEXT_ENV.join(', ')} and ${SHELL_ARG_PREFIX}<n> are reserved)` })
        .superRefine((name, ctx) => {
          const problem = codeEnvNameProblem(name);
          if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
        }),
      TemplateSource,
    )
    .optional(),
  /** Run in this workspace (docs/workspaces.md): `cwd` is then relative to its root and may not leave it. */
  workspace: WorkspaceSpec.optional(),
});
export type BashStep = z.infer<typeof BashStep>;

export const BashOutput = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int(),
  /** Each stream is capped at 1 MiB. */
  truncated: z.object({ stdout: z.boolean(), stderr: z.boolean() }),
  /** Present with a `workspace`. */
  changedFiles: z.array(z.string()).optional(),
  workspace: WorkspaceChanges.optional(),
});
export type BashOutput = z.infer<typeof BashOutput>;

export const bashEntry: StepCatalogueEntry<'bash'> = {
  type: 'bash',
  title: 'Shell command',
  description:
    "Runs a bash command (a template) on the runner, in the execution's run directory, with a minimal environment (PATH, HOME, LANG, TZ, the WEFT_* context and `env`). A non-zero exit code fails the step. Each `{{ }}` in `command` reaches the shell as one word of data, never as code, whether written bare (`ls {{ inputs.dir }}`) or inside \"…\" or '…'; it may not stand inside backticks, `$(( ))`, `(( ))`, `${ }`, `a[…]`, `[[ … -eq … ]]` or a quoted heredoc, nor as the command's own name (`{{ x }} --flag`; also in the command `sudo`, `env`, `nice`, `timeout`, `xargs`, `find -exec` and the like run), nor as a variable name (`-v`, `printf -v`, `read`, `unset`, `declare`, `local`, `export`), nor in `declare -i`, nor right after another value in `[ ]`, nor as an argument of `trap`, `eval`, `source`, `let` or the command string of `bash -c`, nor as the command string of a shell another program starts (`docker exec c sh -c`), nor as a here-string a shell reads as its script (`bash <<<`, `source /dev/stdin <<<`), nor anywhere in `ssh`, `watch` or `parallel`, nor right after `$` or a backslash. Neither `env` nor an assignment in the command (`X={{ }} cmd`, `export X=`, `env X=`) may set `LD_*`, `BASH_ENV` or other names the loader or shell runs code from. Never hand a value to a program that runs its arguments or scripts as code (`python -c`, `make`, a `sed`, `awk` or `perl` script); a heredoc or a pipe into a shell (`cat <<EOF | sh`) is the author's too. `env` values and `cwd` are templates too.",
  configSchema: BashStep,
  outputSchema: BashOutput,
  example: { id: 'list_files', type: 'bash', command: 'ls -1 {{ inputs.directory }}' },
  defaultTimeoutSeconds: 60,
  keyParam: (step) => excerpt(step.command),
  expressionSites: (step) => {
    const sites: ExpressionSite[] = [{ path: ['command'], kind: 'template', source: step.command }];
    if (step.cwd !== undefined) sites.push({ path: ['cwd'], kind: 'template', source: step.cwd });
    return [...sites, ...templateMapSites(step.env, 'env'), ...workspaceSites(step.workspace)];
  },
};
