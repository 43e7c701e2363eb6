import { summarizeDefinitionDiff, type WorkflowDiffResponse } from '@weft/shared';
import { AppError } from '../http/errors';
import type { WorkflowsService } from './workflows-service';

/**
 * What changed between two stored versions, as the compare view and the assistant read it. An
 * unknown workflow is 404 `not_found`; a missing version is 404 `version_not_found` naming the
 * query field (`from` first) so the caller knows which number to fix.
 */
export function versionDiff(workflows: WorkflowsService, { id, from, to }: { id: string; from: number; to: number }): WorkflowDiffResponse {
  const load = (field: 'from' | 'to', version: number) => {
    const found = workflows.findVersion(id, version);
    if (found === null) {
      throw new AppError(404, 'version_not_found', `${field}: version ${version} of workflow ${id} not found`, { field, version });
    }
    return found.definition;
  };
  return summarizeDefinitionDiff(load('from', from), load('to', to));
}
