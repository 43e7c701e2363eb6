import { INTEGRATION_NAME_PATTERN, STEP_ID_PATTERN } from '@weft/shared';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError } from '../http/errors';
import { parseRequest } from '../http/parse';
import { stepOfExecution } from './execution-step';
import { createGitRepoBindings } from './git-repo-bindings';
import { assertLeaseHeld } from './lease-check';

/** `POST /api/tools/git-credential`: what a runner sends to clone a step's git workspace with an integration's token. */
export const GitCredentialRequest = z.strictObject({
  context: z.strictObject({
    executionId: z.string().min(1).max(100),
    stepId: z.string().regex(STEP_ID_PATTERN),
    /**
     * The step instance's foreach iteration (`""` outside one): a templated URL is bound per instance,
     * and only an instance the journal has running under this lease may ask for one.
     */
    iterationPath: z.string().max(2000).default(''),
    runnerId: z.string().min(1).max(100),
    leaseAttempt: z.number().int().min(1),
  }),
  integration: z.string().regex(INTEGRATION_NAME_PATTERN),
  url: z.string().min(1).max(2000),
});
export type GitCredentialRequest = z.infer<typeof GitCredentialRequest>;

/**
 * Runner credential only, lease-checked. A token goes out only for the integration the step's own
 * workspace names (read from the execution's stored definition), only for an https URL on that
 * integration's GitHub host, and every issue and refusal is audited (never the token). The URL must
 * be the one the definition writes out, or, for a templated one, the repository this step instance
 * resolved to the first time it was given the credential (git-repo-bindings.ts), asked for by a step
 * instance that is running now under the caller's lease; that first URL must fit the template (its
 * literal text before the first `{{` and after the last `}}`), so a repository elsewhere on the host never binds.
 */
const gitCredentialRoutes: FastifyPluginAsync = async (app) => {
  const repos = createGitRepoBindings(app.db);
  app.post('/api/tools/git-credential', async (request): Promise<{ username: string; password: string }> => {
    const body = parseRequest(GitCredentialRequest, request.body, 'body');
    const row = assertLeaseHeld({ context: body.context, executions: app.executions, clock: app.clock, grace: app.engine.grace });
    let host = '';
    try {
      host = new URL(body.url).host;
    } catch {
      /* refused below */
    }
    const audit = (action: 'git_credential.issued' | 'git_credential.refused', extra: Record<string, unknown>) =>
      app.audit.record({
        actor: app.audit.actor({ kind: 'runner', id: null, name: 'runner' }),
        action,
        target: { kind: 'integration', id: body.integration },
        details: { executionId: body.context.executionId, stepId: body.context.stepId, host, ...extra },
      });
    try {
      const step = stepOfExecution({ executions: app.executions, row, stepId: body.context.stepId });
      const workspace = step && (step.type === 'agent_prompt' || step.type === 'bash') ? step.workspace : undefined;
      const named = workspace !== undefined && 'git' in workspace ? workspace.git.integration : undefined;
      if (named !== body.integration) {
        throw new AppError(
          403,
          'integration_not_in_workspace',
          `integration: step ${body.context.stepId}'s workspace does not name ${JSON.stringify(body.integration)} (workspace.git.integration)`,
        );
      }
      const issued = app.integrations.gitCredentials.forUrl({ integration: body.integration, url: body.url });
      // A URL written out in the definition is the only repository the token is for. A templated one
      // is rendered by the runner: the step instance keeps the repository it first resolved to.
      const template = workspace !== undefined && 'git' in workspace ? workspace.git.url : '';
      const { executionId, stepId, iterationPath, leaseAttempt } = body.context;
      // The binding is per step instance, so the instance must be a real one: running now under this
      // lease. Otherwise a made-up iteration ("[7]" of a step outside any foreach) opens a fresh binding.
      if (template.includes('{{') && !app.executions.repo.isRunning(executionId, stepId, iterationPath, leaseAttempt)) {
        throw new AppError(
          403,
          'step_instance_not_running',
          `context.iterationPath: step ${stepId} has no instance ${JSON.stringify(iterationPath)} running under lease attempt ${leaseAttempt} of execution ${executionId}`,
        );
      }
      // Before the first binding: the URL must be the template's, its literal text kept around what it rendered.
      if (template.includes('{{') && !fitsTemplate(template, body.url)) {
        throw new AppError(403, 'url_not_in_workspace', `url: step ${stepId}'s workspace clones ${template}, which ${body.url} does not fit`);
      }
      const allowed = template.includes('{{')
        ? repos.bind({ executionId, stepId, iterationPath, integration: body.integration, url: new URL(body.url).href, at: app.clock.now().toISOString() })
        : template;
      if (!sameUrl(allowed, body.url)) {
        const what = template.includes('{{') ? `resolved to ${allowed} in this execution` : `clones ${allowed}`;
        throw new AppError(403, 'url_not_in_workspace', `url: step ${stepId}'s workspace ${what}, not ${body.url}`);
      }
      app.audit.actingFor(request.principal, () => audit('git_credential.issued', {}));
      return { username: issued.username, password: issued.password };
    } catch (err) {
      if (err instanceof AppError) app.audit.actingFor(request.principal, () => audit('git_credential.refused', { code: err.code }));
      throw err;
    }
  });
};

export default gitCredentialRoutes;

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

/**
 * Whether `url` can be what `template` rendered: it starts with the text before the first `{{` and
 * ends with the text after the last `}}` (as written, or as the URL normalizes), without the two overlapping.
 */
export function fitsTemplate(template: string, url: string): boolean {
  const prefix = template.slice(0, template.indexOf('{{'));
  const suffix = template.slice(template.lastIndexOf('}}') + 2);
  let href = url;
  try {
    href = new URL(url).href;
  } catch {
    /* refused by the caller's own checks */
  }
  return [url, href].some((u) => u.length >= prefix.length + suffix.length && u.startsWith(prefix) && u.endsWith(suffix));
}
