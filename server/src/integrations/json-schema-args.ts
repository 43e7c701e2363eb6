import { isPlainObject, linearRegExpEngine } from '@weft/shared';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import { z } from 'zod';

/**
 * The schemas come from MCP servers and the values from workflows and models: `pattern` and
 * `patternProperties` run on RE2 (linear time), so no schema and value can pin the server's thread
 * with catastrophic backtracking. A schema with a pattern RE2 cannot run (backreferences,
 * lookaround) does not compile, like any other schema Ajv refuses.
 */
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, code: { regExp: linearRegExpEngine(RE2JS) } });
const compiled = new Map<string, ValidateFunction | null>();
const MAX_CACHED = 500;

/** A compiled validator per distinct schema; null when the schema does not compile (then anything object-shaped passes). */
function validatorFor(schema: Record<string, unknown>): ValidateFunction | null {
  const key = JSON.stringify(schema);
  if (compiled.has(key)) return compiled.get(key)!;
  if (compiled.size >= MAX_CACHED) compiled.clear();
  let fn: ValidateFunction | null = null;
  // Servers declare draft-07 or 2020-12; the keywords tools use are the same, so the dialect is not enforced.
  const { $schema: _dialect, ...body } = schema;
  try {
    fn = ajv.compile(body);
  } catch {
    fn = null;
  }
  compiled.set(key, fn);
  return fn;
}

export type ArgIssue = { path: (string | number)[]; message: string };

/** `/a/0/b` -> ['a', 0, 'b']; a missing required property is reported at its own path. */
function issuePath(e: ErrorObject): (string | number)[] {
  const parts =
    e.instancePath === ''
      ? []
      : e.instancePath
          .slice(1)
          .split('/')
          .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path: (string | number)[] = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (e.keyword === 'required') path.push(String((e.params as { missingProperty?: string }).missingProperty));
  if (e.keyword === 'additionalProperties') path.push(String((e.params as { additionalProperty?: string }).additionalProperty));
  return path;
}

function message(e: ErrorObject): string {
  if (e.keyword === 'required') return 'required';
  if (e.keyword === 'additionalProperties') return 'unknown property';
  return e.message ?? 'is invalid';
}

/** Checks a value against a JSON Schema; an empty list means it is valid. */
export function jsonSchemaIssues(schema: Record<string, unknown>, value: unknown): ArgIssue[] {
  const validate = validatorFor(schema);
  if (!validate) return isPlainObject(value) ? [] : [{ path: [], message: 'must be an object' }];
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => ({ path: issuePath(e), message: message(e) }));
}

/** A zod schema that validates with a JSON Schema, so the tool registry checks MCP arguments like any other. */
export function jsonSchemaArgs(schema: Record<string, unknown>): z.ZodType<Record<string, unknown>> {
  return z
    .custom<Record<string, unknown>>(() => true)
    .superRefine((value, ctx) => {
      for (const issue of jsonSchemaIssues(schema, value)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    });
}

const isTemplate = (v: unknown) => typeof v === 'string' && v.includes('{{');

/** The value at `path`, or undefined when the path leaves the value. */
function at(value: unknown, path: readonly (string | number)[]): unknown {
  let cur = value;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/**
 * Save-time check of a `tool` step's arguments: the same JSON Schema, except that a templated
 * value (`{{ ... }}`) is only known at run time, so issues inside one are not reported.
 */
export function templatedArgumentIssues(schema: Record<string, unknown>, args: Record<string, unknown>): ArgIssue[] {
  return jsonSchemaIssues(schema, args).filter((issue) => {
    for (let i = 0; i <= issue.path.length; i++) {
      // A missing property's own path is absent from the args: check its parents only.
      if (i === issue.path.length && (issue.message === 'required' || issue.message === 'unknown property')) break;
      if (isTemplate(at(args, issue.path.slice(0, i)))) return false;
    }
    return true;
  });
}
