import { z } from 'zod';
import { NonEmptyTemplate, TemplateSource, stepCommonShape, templateMapSites } from './common';
import { excerpt } from './text';
import type { ExpressionSite, StepCatalogueEntry } from './types';

export const ENV_VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const BashStep = z.strictObject({
  ...stepCommonShape,
  type: z.literal('bash'),
  command: NonEmptyTemplate,
  cwd: NonEmptyTemplate.optional(),
  env: z
    .record(z.string().regex(ENV_VAR_NAME_PATTERN, { error: 'must be a valid environment variable name' }), TemplateSource)
    .optional(),
});
export type BashStep = z.infer<typeof BashStep>;

export const BashOutput = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int(),
  /** Each stream is capped at 1 MiB. */
  truncated: z.object({ stdout: z.boolean(), stderr: z.boolean() }),
});
export type BashOutput = z.infer<typeof BashOutput>;

export const bashEntry: StepCatalogueEntry<'bash'> = {
  type: 'bash',
  title: 'Shell command',
  description:
    'Runs a bash command (a template) on the runner. A non-zero exit code fails the step. `env` values and `cwd` are templates too.',
  configSchema: BashStep,
  outputSchema: BashOutput,
  example: { id: 'list_files', type: 'bash', command: 'ls -1 {{ inputs.directory }}' },
  defaultTimeoutSeconds: 60,
  keyParam: (step) => excerpt(step.command),
  expressionSites: (step) => {
    const sites: ExpressionSite[] = [{ path: ['command'], kind: 'template', source: step.command }];
    if (step.cwd !== undefined) sites.push({ path: ['cwd'], kind: 'template', source: step.cwd });
    return [...sites, ...templateMapSites(step.env, 'env')];
  },
};
