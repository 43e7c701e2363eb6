// @vitest-environment node
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The compare view's colours, read from the stylesheets themselves: badge text (white) on each
 * badge colour is at least 4.5:1 (WCAG AA text), and each frame colour is at least 3:1 against the
 * node's tinted background (AA non-text). A token changed in styles.css is checked here too.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const css = (file: string) => fs.readFileSync(path.resolve(here, file), 'utf8');
const tokens = new Map<string, string>();
for (const sheet of [css('../../styles.css'), css('./diff-marks.css')]) {
  for (const [, name, value] of sheet.matchAll(/(--[\w-]+):\s*([^;]+);/g)) tokens.set(name!, value!.trim());
}

function resolve(value: string): string {
  const ref = value.match(/^var\((--[\w-]+)\)$/);
  return ref ? resolve(tokens.get(ref[1]!) ?? '') : value;
}

function luminance(hex: string): number {
  const m = hex.match(/^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = m.slice(1).map((h) => {
    const c = Number.parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};

describe('compare view colours', () => {
  for (const kind of ['added', 'removed', 'changed', 'moved']) {
    it(`${kind}: white badge text at least 4.5:1, frame at least 3:1 on its tint and on white`, () => {
      const colour = resolve(`var(--diff-${kind})`);
      const tint = resolve(`var(--diff-${kind}-soft)`);
      expect(contrast('#ffffff', colour)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(colour, tint)).toBeGreaterThanOrEqual(3);
      expect(contrast(colour, resolve('var(--surface)'))).toBeGreaterThanOrEqual(3);
    });
  }
});
