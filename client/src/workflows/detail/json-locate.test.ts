import { describe, expect, it } from 'vitest';
import { locateAll, locatePath } from './json-locate';

const text = JSON.stringify(
  {
    name: 'x',
    steps: [
      { id: 'a', type: 'bash', command: 'ls' },
      { id: 'b', type: 'loop', steps: [] },
    ],
    env: { 'MY-VAR': 1 },
  },
  null,
  2,
);

describe('locatePath', () => {
  it('finds properties from their key and array items as a whole', () => {
    const command = locatePath(text, 'steps[0].command')!;
    expect(text.slice(command.start, command.end)).toBe('"command": "ls"');
    expect(command.line).toBe(7);
    expect(command.column).toBe(7);
    const item = locatePath(text, 'steps[1]')!;
    expect(text.slice(item.start, item.end)).toMatch(/^\{\n\s+"id": "b"/);
    expect(text.slice(...(Object.values(locatePath(text, 'env["MY-VAR"]')!).slice(0, 2) as [number, number]))).toBe('"MY-VAR": 1');
  });

  it('falls back to the closest ancestor for a missing field, and to nothing for broken JSON', () => {
    const missing = locatePath(text, 'steps[1].over')!;
    expect(text.slice(missing.start, missing.start + 1)).toBe('{');
    expect(locateAll(text, ['', 'nope'])[0]!.line).toBe(1);
    expect(locatePath('{ "a": ', 'a')).toBeNull();
  });
});
