import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { STEP_CATALOGUE, STEP_ID_PATTERN, STEP_TYPES, StepCommon, type StepType } from '@weft/shared';

// docs/workflows.md is what people read to write a workflow by hand; the catalogue is what the
// validator enforces. This test keeps the step table and the common-field paragraph in step with it.

const DOC = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/workflows.md'), 'utf8');

interface Row {
  readonly type: string;
  readonly fields: string;
  readonly output: string;
}

/** The rows of the `| type | fields | output |` table, in order. */
function stepTable(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*type\s*\|\s*fields\s*\|\s*output\s*\|/.test(line));
  if (header === -1) throw new Error('docs/workflows.md has no `| type | fields | output |` table');
  const rows: Row[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    // Cells are separated by `|`; an escaped `\|` belongs to the cell.
    const [type = '', fields = '', output = ''] = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim());
    rows.push({ type: type.replace(/^`|`$/g, ''), fields, output });
  }
  return rows;
}

/**
 * Code spans that name a field: `name`, `name?`, or `name: type` / `name?: type`. Text in
 * parentheses explains a field (`as?` (default `item`)), so its code spans are values, not fields.
 */
function namedFields(cell: string): { name: string; optional: boolean }[] {
  let text = cell;
  for (let previous = ''; previous !== text; ) [previous, text] = [text, text.replace(/\([^()]*\)/g, '')];
  return [...text.matchAll(/`([^`]+)`/g)].flatMap(([, span = '']) => {
    const match = /^([a-z][A-Za-z]*)(\?)?(?:: .*)?$/.exec(span);
    return match?.[1] === undefined ? [] : [{ name: match[1], optional: match[2] === '?' }];
  });
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : null;
}

/** A step type's own fields (not the common ones, not `type`) and whether each may be left out. */
function ownFields(type: StepType): Map<string, boolean> {
  const shape = objectShape(STEP_CATALOGUE[type].configSchema);
  if (shape === null) throw new Error(`the ${type} config schema is not an object schema`);
  const common = new Set([...Object.keys(StepCommon.shape), 'type']);
  return new Map(
    Object.entries(shape)
      .filter(([name]) => !common.has(name))
      .map(([name, field]) => [name, field.safeParse(undefined).success]),
  );
}

const rows = stepTable(DOC);

describe('docs/workflows.md', () => {
  it('has one row per step type, in the catalogue order', () => {
    expect(rows.map((row) => row.type)).toEqual([...STEP_TYPES]);
  });

  it.each(STEP_TYPES)('%s: the row names every field of the type, and only those, optional ones with `?`', (type) => {
    const row = rows.find((candidate) => candidate.type === type);
    if (row === undefined) throw new Error(`no row for ${type}`);
    const fields = ownFields(type);
    const named = namedFields(row.fields);
    const commonFields = Object.keys(StepCommon.shape);
    expect([...fields.keys()].filter((name) => !named.some((field) => field.name === name))).toEqual([]);
    expect(named.filter((field) => !fields.has(field.name) && !commonFields.includes(field.name)).map((field) => field.name)).toEqual([]);
    // A field written `name?` may be left out; a required one is written without `?`
    // (`wait` has two optional fields of which one is required, written without `?`).
    for (const field of named) if (field.optional && fields.has(field.name)) expect(fields.get(field.name), `${type}.${field.name}`).toBe(true);
    for (const [name, optional] of fields) if (!optional) expect(named.find((field) => field.name === name)?.optional, `${type}.${name}`).toBe(false);
  });

  it.each(STEP_TYPES)('%s: the output column names every top-level output field', (type) => {
    const row = rows.find((candidate) => candidate.type === type);
    const shape = objectShape(STEP_CATALOGUE[type].outputSchema);
    expect(row?.output ?? '').not.toBe('');
    for (const name of Object.keys(shape ?? {})) expect(row?.output, `${type} output ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('states the step id pattern and every common field', () => {
    const paragraph = DOC.slice(DOC.indexOf('Every step has'), DOC.indexOf('| type | fields | output |'));
    expect(paragraph).toContain(`\`${STEP_ID_PATTERN.source}\``);
    for (const name of Object.keys(StepCommon.shape)) expect(paragraph, name).toMatch(new RegExp(`\`${name}[\`?:]`));
  });
});
