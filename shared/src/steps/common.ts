import { z } from 'zod';
import { tryParseExpression } from '../expressions/parse';
import { parseTemplate } from '../expressions/templates';
import { ExpressionError } from '../expressions/expression-error';

/** A step id, unanchored, for patterns that embed one (iteration paths); use `STEP_ID_PATTERN` for a whole id. */
export const STEP_ID_SOURCE = '[a-z][a-z0-9_]{0,63}';
/** The one definition of a step id: every schema, validator and prompt that checks ids reads it. */
export const STEP_ID_PATTERN = new RegExp(`^${STEP_ID_SOURCE}$`);
/** Input names and loop `as` names: what an expression can use as a plain identifier. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** An absolute http(s) URL with a host; deliberately loose beyond that. */
export const HTTP_URL_PATTERN = /^https?:\/\/[^\s/?#]+[^\s]*$/i;

export const StepId = z.string().regex(STEP_ID_PATTERN, {
  error: 'must start with a lowercase letter and contain only a-z, 0-9 and _ (at most 64 characters)',
});

/** A string holding an expression (`if`, `condition`, `over`); its syntax is checked here. */
export const ExpressionSource = z.string().superRefine((source, ctx) => {
  const result = tryParseExpression(source);
  if (!result.ok) ctx.addIssue({ code: 'custom', message: `invalid expression: ${result.error.message}` });
});

function checkTemplate(source: string, ctx: z.RefinementCtx, path: (string | number)[] = []): void {
  try {
    parseTemplate(source);
  } catch (error) {
    const message = error instanceof ExpressionError ? error.message : 'template could not be parsed';
    ctx.addIssue({ code: 'custom', message: `invalid template: ${message}`, path });
  }
}

/** A string with `{{ expression }}` parts; its syntax is checked here. */
export const TemplateSource = z.string().superRefine((source, ctx) => checkTemplate(source, ctx));
export const NonEmptyTemplate = z
  .string()
  .min(1)
  .superRefine((source, ctx) => checkTemplate(source, ctx));

export const TimeoutSeconds = z.number().positive();

export const RetryPolicy = z.strictObject({
  maxAttempts: z.number().int().min(1).max(10),
  backoffSeconds: z.number().min(0).optional(),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const stepCommonShape = {
  id: StepId,
  name: z.string().min(1).max(200).optional(),
  if: ExpressionSource.optional(),
  timeoutSeconds: TimeoutSeconds.optional(),
  retry: RetryPolicy.optional(),
};
export const StepCommon = z.strictObject(stepCommonShape);
export type StepCommon = z.infer<typeof StepCommon>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A schema-level message for a field that is absent or has the wrong form. */
export function requiredOr(message: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'required' : message);
}

export const JsonObject = z.custom<Record<string, unknown>>(isPlainObject, { error: requiredOr('must be a JSON object') });

const MAX_TEMPLATED_JSON_DEPTH = 64;

/**
 * Any JSON value whose string leaves are templates (an http body). Keys are
 * data, never templates. Checks the templates and that the value is JSON.
 */
export const TemplatedJson = z.unknown().superRefine((value, ctx) => checkTemplatedJson(value, [], ctx, 0));

function checkTemplatedJson(value: unknown, path: (string | number)[], ctx: z.RefinementCtx, depth: number): void {
  if (depth > MAX_TEMPLATED_JSON_DEPTH) {
    ctx.addIssue({ code: 'custom', message: 'nested too deeply', path });
    return;
  }
  const kind = typeof value;
  switch (kind) {
    case 'string':
      checkTemplate(value as string, ctx, path);
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value as number)) ctx.addIssue({ code: 'custom', message: 'must be a finite number', path });
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((element: unknown, index) => {
          checkTemplatedJson(element, [...path, index], ctx, depth + 1);
        });
        return;
      }
      if (!isPlainObject(value)) {
        ctx.addIssue({ code: 'custom', message: 'must be JSON', path });
        return;
      }
      for (const [key, child] of Object.entries(value)) checkTemplatedJson(child, [...path, key], ctx, depth + 1);
      return;
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      ctx.addIssue({ code: 'custom', message: 'must be JSON', path });
      return;
    default: {
      const unexpected: never = kind;
      ctx.addIssue({ code: 'custom', message: `must be JSON, got ${String(unexpected)}`, path });
    }
  }
}

/** Sites for every string leaf of a templated JSON value, paths relative to `base`. */
export function templatedJsonSites(value: unknown, base: readonly (string | number)[]): { path: (string | number)[]; kind: 'template'; source: string }[] {
  const out: { path: (string | number)[]; kind: 'template'; source: string }[] = [];
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (typeof node === 'string') out.push({ path, kind: 'template', source: node });
    else if (Array.isArray(node)) {
      node.forEach((element: unknown, index) => {
        visit(element, [...path, index]);
      });
    } else if (isPlainObject(node)) for (const [key, child] of Object.entries(node)) visit(child, [...path, key]);
  };
  visit(value, [...base]);
  return out;
}

/** Sites for the values of a string map whose values are templates (env, headers). */
export function templateMapSites(map: Record<string, string> | undefined, field: string): { path: (string | number)[]; kind: 'template'; source: string }[] {
  return Object.entries(map ?? {}).map(([key, source]) => ({ path: [field, key], kind: 'template' as const, source }));
}
