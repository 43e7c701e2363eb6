import { rolesWith, SCOPE_MEANING, type Scope } from '@weft/shared';
import { AppError } from '../http/errors';
import type { ToolDefinition } from './tool';

/**
 * The permission each tool needs when a person calls it, or the assistant or a chat command calls
 * it for them: the one table that says so. A tool not named here needs `read` when it only reads
 * and `run` otherwise (an integration's operations act on the outside world, like a run does).
 */
export const TOOL_SCOPES: Readonly<Record<string, Scope>> = {
  'workflows:run_workflow': 'run',
  'workflows:cancel_execution': 'run',
  'workflows:sync_workflow': 'write',
  'workflows:update_workflow': 'write',
  'workflows:delete_workflow': 'write',
  'workflows:rollback_workflow': 'write',
  // Drafting costs model calls and leads to a save: it is part of changing workflows.
  'workflows:draft_workflow': 'write',
  'workflows:sync_trigger': 'write',
  'workflows:delete_trigger': 'write',
  'workflows:review_workflow_proposal': 'write',
  'workflows:apply_workflow_proposal': 'write',
  'workflows:approve_execution': 'approve',
  'workflows:deny_execution': 'approve',
};

export function scopeOfTool(tool: Pick<ToolDefinition, 'name' | 'effect'>): Scope {
  return TOOL_SCOPES[tool.name] ?? (tool.effect === 'read' ? 'read' : 'run');
}

/**
 * 403 `forbidden` (details.missing names the scope) when the person lacks the tool's scope; the
 * message is what the assistant and the chat commands show, so it speaks to the person.
 */
export function assertToolScope(tool: Pick<ToolDefinition, 'name' | 'effect'>, scopes: readonly Scope[]): void {
  const scope = scopeOfTool(tool);
  if (scopes.includes(scope)) return;
  throw new AppError(
    403,
    'forbidden',
    `You need the ${scope} permission to ${SCOPE_MEANING[scope]} (${tool.name}); ask someone with the ${rolesWith(scope).join(', ')} role.`,
    { missing: scope, tool: tool.name },
  );
}
