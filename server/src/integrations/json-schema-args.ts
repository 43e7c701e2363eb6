import { formatPath, isPlainObject, unsupportedSchemaPatterns } from '@weft/shared';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { schemaRegExp } from '../schema-regexp';

/**
 * The schemas come from MCP servers and the values from workflows and models: `pattern` and
 * `patternProperties` run on RE2 (linear time), so no schema and value can pin the server's thread
 * with catastrophic backtracking. A schema with a pattern RE2 cannot run (backreferences,
 * lookaround) makes its tool unusable (`unusableInputSchema`): its arguments fail every check
 * instead of passing unchecked. A schema Ajv refuses for another reason is not compiled, and
 * anything object-shaped passes (the MCP server still validates its arguments).
 */
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, code: { regExp: schemaRegExp } });
type Compiled = { kind: 'compiled'; validate: ValidateFunction } | { kind: 'unusable'; reason: UnusableSchema } | { kind: 'uncompiled' };
const compiled = new Map<string, Compiled>();
const MAX_CACHED = 500;

/** Why a tool's JSON Schema cannot be used: its first pattern RE2 cannot compile. */
export type UnusableSchema = {
  readonly code: 'unsupported_input_schema';
  readonly pattern: string;
  /** Where in the schema, like `properties.q.pattern` or `patternProperties["(?=x)"]`. */
  readonly path: string;
  /** The pattern, what RE2 cannot run in it and that patterns run on RE2. */
  readonly message: string;
};

/**
 * Null when every pattern of `schema` compiles on the engine arguments are checked with, else the
 * first one that does not (the same check the workflow validator makes of `output.schema`).
 */
export function unusableInputSchema(schema: Record<string, unknown>): UnusableSchema | null {
  const [first] = unsupportedSchemaPatterns(schema, schemaRegExp);
  if (!first) return null;
  return { code: 'unsupported_input_schema', pattern: first.error.pattern, path: formatPath(first.path), message: first.error.message };
}

/** A compiled validator per distinct schema, or why there is none. */
function validatorFor(schema: Record<string, unknown>): Compiled {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  if (compiled.size >= MAX_CACHED) compiled.clear();
  let entry: Compiled;
  const unusable = unusableInputSchema(schema);
  if (unusable) {
    entry = { kind: 'unusable', reason: unusable };
  } else {
    // Servers declare draft-07 or 2020-12; the keywords tools use are the same, so the dialect is not enforced.
    const { $schema: _dialect, ...body } = schema;
    try {
      entry = { kind: 'compiled', validate: ajv.compile(body) };
    } catch {
      entry = { kind: 'uncompiled' };
    }
  }
  compiled.set(key, entry);
  return entry;
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

/**
 * Checks a value against a JSON Schema; an empty list means it is valid. Nothing is valid against
 * a schema with a pattern RE2 cannot run: the issue says so (callers with a tool refuse it before
 * this, with `unusableInputSchema`).
 */
export function jsonSchemaIssues(schema: Record<string, unknown>, value: unknown): ArgIssue[] {
  const entry = validatorFor(schema);
  switch (entry.kind) {
    case 'unusable':
      return [{ path: [], message: `the input schema cannot be used: ${entry.reason.path}: ${entry.reason.message}` }];
    case 'uncompiled':
      return isPlainObject(value) ? [] : [{ path: [], message: 'must be an object' }];
    case 'compiled': {
      const { validate } = entry;
      if (validate(value)) return [];
      return (validate.errors ?? []).map((e) => ({ path: issuePath(e), message: message(e) }));
    }
    default: {
      const never: never = entry;
      return never;
    }
  }
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
