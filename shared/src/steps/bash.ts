import { z } from 'zod';
import { NonEmptyTemplate, TemplateSource, stepCommonShape, templateMapSites } from './common';
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

function isReservedEnvName(name: string): boolean {
  return (BASH_CONTEXT_ENV as readonly string[]).includes(name) || name.startsWith(SHELL_ARG_PREFIX);
}

/**
 * Variables the dynamic loader, the C library or the shell read as code to run (a library to load,
 * a file to source, a function definition, a prompt expanded with `$( )`), not as data. The runner
 * never hands a step's `env` to bwrap's own loader (child-process.ts); this refusal is the backstop,
 * and what keeps a templated `env` value from naming code in the unsandboxed mode too. `ENV` is
 * not among them: only an interactive shell sources it (a step's `bash -c` is not), and it is a
 * common name for a deployment environment (`ENV=staging`).
 */
const CODE_ENV_NAMES = ['BASH_ENV', 'SHELLOPTS', 'BASHOPTS', 'PS4', 'PROMPT_COMMAND', 'GCONV_PATH', 'GETCONF_DIR', 'GLIBC_TUNABLES', 'LOCPATH', 'NLSPATH'];
const CODE_ENV_PREFIXES = ['LD_', 'BASH_FUNC_'];

/** Why a step's `env` may not set `name`, or null when it may. */
export function codeEnvNameProblem(name: string): string | null {
  if (CODE_ENV_NAMES.includes(name) || CODE_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return `would run code: the dynamic loader, the C library or the shell reads it as code to load or run (${CODE_ENV_PREFIXES.map((p) => `${p}*`).join(', ')}, ${CODE_ENV_NAMES.join(', ')} are refused)`;
  }
  return null;
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
    "Runs a bash command (a template) on the runner, in the execution's run directory, with a minimal environment (PATH, HOME, LANG, TZ, the WEFT_* context and `env`). A non-zero exit code fails the step. Each `{{ }}` in `command` reaches the shell as one word of data, never as code, whether written bare (`ls {{ inputs.dir }}`) or inside \"…\" or '…'; it may not stand inside backticks, `$(( ))`, `(( ))`, `${ }`, `a[…]`, `[[ … -eq … ]]` or a quoted heredoc, nor as the command's own name (`{{ x }} --flag`; also in the command `sudo`, `env`, `nice`, `timeout`, `xargs`, `find -exec` and the like run), nor as a variable name (`-v`, `printf -v`, `read`, `unset`, `declare`, `local`, `export`), nor in `declare -i`, nor right after another value in `[ ]`, nor as an argument of `trap`, `eval`, `source`, `let` or the command string of `bash -c`, nor anywhere in `ssh`, `watch` or `parallel`, nor right after `$` or a backslash. `env` may not set `LD_*`, `BASH_ENV` or other names the loader or shell runs code from. Never hand a value to a program that runs its arguments as code (`python -c`, `make`). `env` values and `cwd` are templates too.",
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
