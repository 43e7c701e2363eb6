import { UnsupportedPatternError, type LinearRegExpEngine } from './linear-regexp';

/**
 * The patterns of a JSON Schema that the linear engine cannot compile, found the way Ajv reaches
 * them, so a schema can be refused where it is saved (a workflow's `output.schema`) or advertised
 * (an MCP tool's `inputSchema`) instead of where it is used. Every user of a schema's patterns
 * asks this one function with `linearRegExpEngine(RE2JS)`: the workflow validator on the server,
 * the runner before it compiles an `output.schema`, and the server's MCP argument check. So a
 * schema the validator accepts is one whose every pattern compiles at run time.
 *
 * Patterns are compiled wherever a subschema can be, whether or not Ajv would compile that
 * subschema today: in every applicator (`properties`, `items`, `allOf`, `not`, `if`/`then`/`else`,
 * `dependencies`…), in `$defs` and `definitions` even when nothing references them, and in
 * whatever a local `$ref` (`#/…`) points at, even under a keyword Ajv does not know. The values of
 * `const`, `enum`, `default` and `examples` are data: a `pattern` key there is not a pattern.
 */

/** Keywords whose value is one subschema. */
const SCHEMA_KEYWORDS = [
  'additionalItems',
  'items',
  'contains',
  'additionalProperties',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
] as const;
/** Keywords whose value is a list of subschemas (`items` in its tuple form). */
const SCHEMA_LIST_KEYWORDS = ['items', 'allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
/**
 * Keywords whose value maps names to subschemas (`dependencies` also maps names to lists of names);
 * `patternProperties` too, whose names are patterns.
 */
const SCHEMA_MAP_KEYWORDS = ['properties', '$defs', 'definitions', 'dependencies', 'dependentSchemas'] as const;

export type SchemaPath = readonly (string | number)[];

export interface SchemaPatternIssue {
  /** Relative to the schema: `[…, 'pattern']`, or `[…, 'patternProperties', <the pattern>]` for a key. */
  readonly path: SchemaPath;
  readonly error: UnsupportedPatternError;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every pattern of `schema` that `regExp` (Ajv's `code.regExp`) refuses, in document order; empty when all compile. */
export function unsupportedSchemaPatterns(schema: unknown, regExp: LinearRegExpEngine): SchemaPatternIssue[] {
  const issues: SchemaPatternIssue[] = [];
  const compiled = new Map<string, UnsupportedPatternError | null>();
  const check = (pattern: string, path: SchemaPath) => {
    let error = compiled.get(pattern);
    if (error === undefined) {
      error = compileError(regExp, pattern);
      compiled.set(pattern, error);
    }
    if (error !== null) issues.push({ path, error });
  };

  const visited = new Set<Json>();
  /** A subschema to visit: where it is and the schema resource (`$id`) a `#/…` reference in it resolves against. */
  type Visit = { node: unknown; path: SchemaPath; resource: { node: Json; path: SchemaPath } };
  const refs: { ref: string; resource: Visit['resource'] }[] = [];
  const walk = (start: Visit) => {
    // A pattern to compile or a subschema to visit; last to first, so that issues come in document order.
    const stack: ({ pattern: string; path: SchemaPath } | Visit)[] = [start];
    while (stack.length > 0) {
      const item = stack.pop()!;
      if ('pattern' in item) {
        check(item.pattern, item.path);
        continue;
      }
      const { node, path, resource: outer } = item;
      // Boolean schemas hold no pattern; anything else that is not an object is not a schema Ajv compiles.
      if (!isObject(node) || visited.has(node)) continue;
      visited.add(node);
      const resource = typeof node.$id === 'string' && !node.$id.startsWith('#') ? { node, path } : outer;
      if (typeof node.$ref === 'string') refs.push({ ref: node.$ref, resource });
      const next: ({ pattern: string; path: SchemaPath } | Visit)[] = [];
      for (const keyword of Object.keys(node)) {
        const value = node[keyword];
        const at = [...path, keyword];
        if (keyword === 'pattern' && typeof value === 'string') next.push({ pattern: value, path: at });
        if (keyword === 'patternProperties' && isObject(value)) {
          // Each key is a pattern, then its value a subschema.
          for (const key of Object.keys(value)) next.push({ pattern: key, path: [...at, key] }, { node: value[key], path: [...at, key], resource });
          continue;
        }
        if ((SCHEMA_KEYWORDS as readonly string[]).includes(keyword) && isObject(value)) next.push({ node: value, path: at, resource });
        if ((SCHEMA_LIST_KEYWORDS as readonly string[]).includes(keyword) && Array.isArray(value)) {
          for (const [index, child] of value.entries()) next.push({ node: child, path: [...at, index], resource });
        }
        if ((SCHEMA_MAP_KEYWORDS as readonly string[]).includes(keyword) && isObject(value)) {
          for (const name of Object.keys(value)) next.push({ node: value[name], path: [...at, name], resource });
        }
      }
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
    }
  };

  const root = { node: isObject(schema) ? schema : {}, path: [] };
  walk({ node: schema, path: [], resource: root });
  // What a local reference points at is compiled by Ajv wherever it is; most targets were visited already.
  // Each object is visited once, so the work is linear in the schema's size whatever it references.
  for (let i = 0; i < refs.length; i++) {
    const { ref, resource } = refs[i]!;
    const target = resolvePointer(resource.node, ref);
    if (target !== null) walk({ node: target.node, path: [...resource.path, ...target.path], resource });
  }
  return issues;
}

function compileError(regExp: LinearRegExpEngine, pattern: string): UnsupportedPatternError | null {
  try {
    // What Ajv passes (`unicodeRegExp`, its default, is the `u` flag).
    regExp(pattern, 'u');
    return null;
  } catch (error) {
    return error instanceof UnsupportedPatternError ? error : new UnsupportedPatternError(pattern, error instanceof Error ? error.message : String(error));
  }
}

/** `#/a/b~1c/0` inside `base`, as Ajv reads a JSON pointer fragment; null when it leads nowhere or is not local. */
function resolvePointer(base: Json, ref: string): { node: unknown; path: (string | number)[] } | null {
  if (!ref.startsWith('#/')) return null;
  let node: unknown = base;
  const path: (string | number)[] = [];
  for (const raw of ref.slice(2).split('/')) {
    let part: string;
    try {
      part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return null;
    }
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(part) || Number(part) >= node.length) return null;
      node = node[Number(part)];
      path.push(Number(part));
    } else if (isObject(node) && Object.hasOwn(node, part)) {
      node = node[part];
      path.push(part);
    } else {
      return null;
    }
  }
  return { node, path };
}
