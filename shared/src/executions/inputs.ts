/** The `inputs` block of a workflow definition, as far as run-time checking needs it. */
export type InputSpec = { type: 'string' | 'number' | 'boolean' | 'object' | 'array'; default?: unknown; required?: boolean; description?: string };

const typeOf = (v: unknown): InputSpec['type'] | 'null' | 'other' => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'object') return t;
  return 'other';
};

/**
 * Checks run inputs against the definition and applies defaults. Unknown names are refused so a
 * typo does not silently run with the default.
 */
export function resolveInputs(
  specs: Record<string, InputSpec> | undefined,
  given: Record<string, unknown> | undefined,
): { ok: true; values: Record<string, unknown> } | { ok: false; errors: { path: string; message: string }[] } {
  const errors: { path: string; message: string }[] = [];
  const values: Record<string, unknown> = {};
  const declared = specs ?? {};
  for (const name of Object.keys(given ?? {})) {
    if (!Object.hasOwn(declared, name)) errors.push({ path: `inputs.${name}`, message: `unknown input "${name}"` });
  }
  for (const [name, spec] of Object.entries(declared)) {
    const value = given && Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined) {
      if (spec.default !== undefined) values[name] = spec.default;
      else if (spec.required) errors.push({ path: `inputs.${name}`, message: `input "${name}" is required` });
      continue;
    }
    const actual = typeOf(value);
    if (actual !== spec.type || (spec.type === 'number' && !Number.isFinite(value))) {
      errors.push({ path: `inputs.${name}`, message: `input "${name}" must be ${spec.type}, got ${actual}` });
      continue;
    }
    values[name] = value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}
