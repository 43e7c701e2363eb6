import { validateWorkflowDefinition, type ValidationResult } from '@weft/shared';
import { schemaRegExp } from '../schema-regexp';

/**
 * `validateWorkflowDefinition` as the server runs it everywhere a definition comes in (saves,
 * validation, proposals, drafts, fixes): with the RE2 engine, so a JSON Schema pattern the runner
 * cannot compile is refused here (`unsupported_pattern` at the pattern's path) and not at run time.
 */
export function validateDefinition(json: unknown): ValidationResult {
  return validateWorkflowDefinition(json, { regExp: schemaRegExp });
}
