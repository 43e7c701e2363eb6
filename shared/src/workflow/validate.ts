import type { z } from 'zod';
import type { LinearRegExpEngine } from '../json-schema/linear-regexp';
import { unsupportedSchemaPatterns } from '../json-schema/schema-patterns';
import { stepJsonSchemaSites } from '../steps/helpers';
import { hiddenCharacterIssues } from './hidden-characters';
import { describeIssue } from './issues';
import { formatPath, joinPath } from './path';
import { toPlainJson } from './plain-json';
import { checkReferences, type DefinitionIssue } from './references';
import { WorkflowDefinition } from './schema';
import { walkSteps } from './walk';

export type { DefinitionIssue };

export type ValidationResult = { ok: true; definition: WorkflowDefinition } | { ok: false; errors: DefinitionIssue[] };

export const MAX_VALIDATION_ERRORS = 100;

export interface ValidateOptions {
  /**
   * The engine JSON Schema patterns run on at run time, `linearRegExpEngine(RE2JS)`: with it, a
   * pattern it cannot compile (lookaround, backreferences) in any JSON Schema of the definition is
   * an issue with code `unsupported_pattern`. The server passes it on every save; without it (the
   * client, which does not load RE2) patterns are not checked.
   */
  regExp?: LinearRegExpEngine;
}

/**
 * Checks a workflow definition from an untrusted source. Never throws.
 *
 * Runs in four passes, each only if the previous one passed, because later
 * passes need the shape the earlier ones guarantee:
 * 1. plain JSON (no cycles, getters, BigInt, class instances...);
 * 2. no character that hides or reorders text (bidi overrides and isolates, zero-width and
 *    control characters...) in any string or key: `hidden_character` at each string's path
 *    (hidden-characters.ts). First, so no later message quotes such a character;
 * 3. structure: shapes, bounds, unknown keys, step types, expression and template syntax;
 * 4. cross-step rules: unique ids, and what each expression may reference; with
 *    `options.regExp`, that every JSON Schema pattern compiles on it.
 *
 * On success `definition` deep-equals the input (same keys in the same order,
 * no defaults filled in); read defaults through the catalogue helpers.
 * Error paths look like `steps[2].then[0].command`; the root is `""`.
 */
export function validateWorkflowDefinition(json: unknown, options: ValidateOptions = {}): ValidationResult {
  try {
    const plain = toPlainJson(json);
    if (!plain.ok) return failure(plain.errors);
    const hidden = hiddenCharacterIssues(plain.value);
    if (hidden.length > 0) return failure(hidden);
    const parsed = WorkflowDefinition.safeParse(plain.value, { error: describeIssue, reportInput: true });
    if (!parsed.success) return failure(parsed.error.issues.flatMap(toDefinitionIssues));
    // The plain copy, not zod's output, so key order is the user's own.
    const definition = plain.value as WorkflowDefinition;
    const semantic = [
      ...duplicateIdIssues(definition),
      ...checkReferences(definition),
      ...(options.regExp ? schemaPatternIssues(definition, options.regExp) : []),
    ];
    return semantic.length > 0 ? failure(semantic) : { ok: true, definition };
  } catch (error) {
    // Every pass is designed not to throw; this is the last line of defence.
    const reason = error instanceof Error ? error.message : 'unknown error';
    return failure([{ path: '', message: `definition could not be validated: ${reason}` }]);
  }
}

function failure(errors: DefinitionIssue[]): ValidationResult {
  if (errors.length <= MAX_VALIDATION_ERRORS) return { ok: false, errors };
  const shown = errors.slice(0, MAX_VALIDATION_ERRORS);
  shown.push({ path: '', message: `${errors.length - MAX_VALIDATION_ERRORS} more errors not shown` });
  return { ok: false, errors: shown };
}

/** One issue per unknown key, at the key's own path, so editors can point at the typo. */
function toDefinitionIssues(issue: z.core.$ZodIssue): DefinitionIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(issue);
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: `unknown key ${JSON.stringify(key)}${suggestion(key, known)}`,
    }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

function knownKeys(issue: z.core.$ZodIssueUnrecognizedKeys): string[] {
  const input = issue.input;
  if (typeof input !== 'object' || input === null) return [];
  return Object.keys(input).filter((key) => !issue.keys.includes(key));
}

// zod does not say which keys were expected, so suggestions come from a fixed
// vocabulary of every key the format uses.
const VOCABULARY = [
  'name',
  'description',
  'inputs',
  'requires',
  'steps',
  'type',
  'default',
  'required',
  'id',
  'if',
  'timeoutSeconds',
  'retry',
  'maxAttempts',
  'backoffSeconds',
  'prompt',
  'system',
  'model',
  'output',
  'schema',
  'command',
  'cwd',
  'env',
  'message',
  'title',
  'level',
  'channel',
  'webhookUrl',
  'method',
  'url',
  'headers',
  'body',
  'condition',
  'then',
  'else',
  'over',
  'as',
  'maxIterations',
  'approvers',
  'minApprovals',
  'allowSelfApproval',
  'onDeny',
  'onTimeout',
  'seconds',
  'until',
  'tool',
  'arguments',
  'tools',
];

function suggestion(key: string, present: readonly string[]): string {
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const candidate of VOCABULARY) {
    if (present.includes(candidate)) continue;
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === null ? '' : `; did you mean "${best}"?`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3 || a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
}

/**
 * A pattern of a step's JSON Schema the run-time engine cannot compile, at its own path
 * (`steps[2].output.schema.properties.code.pattern`): the step would fail at run time.
 */
function schemaPatternIssues(definition: WorkflowDefinition, regExp: LinearRegExpEngine): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  walkSteps(definition.steps, ({ step, path }) => {
    for (const site of stepJsonSchemaSites(step)) {
      for (const { path: at, error } of unsupportedSchemaPatterns(site.schema, regExp)) {
        issues.push({ path: joinPath(path, [...site.path, ...at]), message: error.message, code: error.code });
      }
    }
  });
  return issues;
}

function duplicateIdIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  const firstPath = new Map<string, string>();
  const issues: DefinitionIssue[] = [];
  walkSteps(definition.steps, ({ step, path }) => {
    const first = firstPath.get(step.id);
    if (first === undefined) firstPath.set(step.id, path);
    else issues.push({ path: joinPath(path, ['id']), message: `duplicate step id ${JSON.stringify(step.id)}; first used at ${first}` });
  });
  return issues;
}
