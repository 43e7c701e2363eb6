import path from 'node:path';
import { renderTemplate, type ExpressionScope, type ResolvedWorkspace, type WorkspaceSpec } from '@weft/shared';
import { NonRetriableStepError, StepFailedError } from '../engine/errors';
import { checkGitRef, parseGitUrl } from './provision-git';
import { WorkspaceError } from './types';

/**
 * A step's `workspace` with its templates rendered and checked: a git url that is https or an
 * absolute local path, a valid ref, an absolute `path`. Whether a local path lies under the
 * runner's WEFT_WORKSPACE_ROOTS is decided when it is provisioned (by real path).
 */
export function renderWorkspaceSpec(spec: WorkspaceSpec, scope: Readonly<ExpressionScope>): ResolvedWorkspace {
  if ('git' in spec) {
    const url = renderTemplate(spec.git.url, scope).trim();
    parseGitUrl(url);
    const ref = spec.git.ref === undefined ? undefined : renderTemplate(spec.git.ref, scope).trim();
    if (ref !== undefined) checkGitRef(ref);
    return {
      kind: 'git',
      url,
      ...(ref !== undefined && ref !== '' ? { ref } : {}),
      ...(spec.git.depth !== undefined ? { depth: spec.git.depth } : {}),
      ...(spec.git.integration !== undefined ? { integration: spec.git.integration } : {}),
    };
  }
  if ('path' in spec) {
    const dir = renderTemplate(spec.path, scope).trim();
    if (dir.includes('\0') || !path.isAbsolute(dir))
      throw new WorkspaceError(`workspace path ${JSON.stringify(dir.slice(0, 300))} must be an absolute path`, 'workspace_path_not_allowed');
    return { kind: 'path', path: path.resolve(dir) };
  }
  return { kind: 'shared', name: spec.shared };
}

/** Codes of refusals no retry can change: the step fails at once. */
const FINAL_CODES = new Set([
  'workspace_url_refused',
  'workspace_ref_invalid',
  'workspace_path_not_allowed',
  'workspace_path_missing',
  'workspace_address_refused',
  'workspace_invalid',
  'workspace_credential_unavailable',
  'workspace_snapshot_invalid',
]);

/** A workspace failure as the step error the engine classifies: refusals are final, git failures (network) retriable. */
export function workspaceStepError(error: unknown): unknown {
  if (!(error instanceof WorkspaceError)) return error;
  const Kind = FINAL_CODES.has(error.code) ? NonRetriableStepError : StepFailedError;
  return new Kind(error.message, { code: error.code });
}
