import type { WorkflowInput, WorkflowInputs } from '@weft/shared';

/**
 * A form over a definition's `inputs`: what each field holds while it is edited (text, or a
 * checkbox for booleans) and the values a run or a trigger is given. Empty fields are left out, so
 * the server applies defaults and names what is missing.
 */
export type InputDraft = Record<string, string | boolean>;
export type InputErrors = Record<string, string>;

export function inputEntries(inputs: WorkflowInputs | undefined): [string, WorkflowInput][] {
  return Object.entries(inputs ?? {});
}

function textOf(value: unknown, input: WorkflowInput): string | boolean {
  if (input.type === 'boolean') return value === true;
  if (value === undefined) return '';
  if (input.type === 'string') return typeof value === 'string' ? value : JSON.stringify(value);
  if (input.type === 'number') return String(value);
  return JSON.stringify(value, null, 2);
}

/** Starts from `given` (a trigger's saved inputs), else each input's default. */
export function initialInputDraft(inputs: WorkflowInputs | undefined, given: Record<string, unknown> = {}): InputDraft {
  const draft: InputDraft = {};
  for (const [name, input] of inputEntries(inputs)) draft[name] = textOf(Object.hasOwn(given, name) ? given[name] : input.default, input);
  return draft;
}

/** The typed values, or the field-level problems found before asking the server. */
export function readInputDraft(inputs: WorkflowInputs | undefined, draft: InputDraft): { values: Record<string, unknown>; errors: InputErrors } {
  const values: Record<string, unknown> = {};
  const errors: InputErrors = {};
  for (const [name, input] of inputEntries(inputs)) {
    const raw = draft[name];
    if (input.type === 'boolean') {
      if (typeof raw === 'boolean') values[name] = raw;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') {
      if (input.required && input.default === undefined) errors[name] = 'Required';
      continue;
    }
    switch (input.type) {
      case 'string':
        values[name] = text;
        break;
      case 'number': {
        const n = Number(text.trim());
        if (Number.isFinite(n)) values[name] = n;
        else errors[name] = 'Must be a number';
        break;
      }
      case 'object':
      case 'array': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          errors[name] = `Not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`;
          break;
        }
        const isArray = Array.isArray(parsed);
        const ok = input.type === 'array' ? isArray : typeof parsed === 'object' && parsed !== null && !isArray;
        if (ok) values[name] = parsed;
        else errors[name] = input.type === 'array' ? 'Must be a JSON array, like ["a", "b"]' : 'Must be a JSON object, like { "key": "value" }';
        break;
      }
      default: {
        const unexpected: never = input.type;
        errors[name] = `unsupported type ${String(unexpected)}`;
      }
    }
  }
  return { values, errors };
}

/** Server issues named `<prefix><name>` (`inputs.region`, `trigger.inputs.region`) as field errors. */
export function inputErrorsFrom(issues: readonly { path: string; message: string }[], prefix: string): InputErrors {
  const errors: InputErrors = {};
  for (const issue of issues) {
    if (!issue.path.startsWith(prefix)) continue;
    const name = issue.path.slice(prefix.length).split(/[.[]/)[0];
    if (name) errors[name] ??= issue.message;
  }
  return errors;
}
