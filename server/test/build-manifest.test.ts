import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * scripts/build/manifest.mjs decides what `pnpm start` rebuilds. A target here is a folder of
 * scratch files under the checkout (where every input lives), built "by hand".
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
type Target = { name: string; kind: 'vite'; dir: string; outputs: string[]; inputs: string[]; inputDirs: string[] };
type Manifest = {
  writeManifest(name: string, built: { inputs: Iterable<string>; outputs: string[] }): void;
  currentInputs(target: Target, manifest: null): string[];
  staleReason(target: Target): string | null;
  MANIFEST_DIR: string;
};
// A JavaScript module run by plain node: typed here by what the test uses.
const { writeManifest, currentInputs, staleReason, MANIFEST_DIR } = (await import(path.join(ROOT, 'scripts/build/manifest.mjs') as string)) as Manifest;

const name = `test-${process.pid}-${Date.now()}`;
const dir = path.join('node_modules', '.cache', name);
const target: Target = { name, kind: 'vite', dir, outputs: [path.join(dir, 'out', 'index.html')], inputs: [], inputDirs: [path.join(dir, 'src')] };
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
  fs.writeFileSync(path.join(ROOT, file), text);
};
const built = () => {
  write(target.outputs[0]!, 'built');
  writeManifest(name, { inputs: currentInputs(target, null), outputs: target.outputs });
};

afterAll(() => {
  fs.rmSync(path.join(ROOT, dir), { recursive: true, force: true });
  fs.rmSync(path.join(MANIFEST_DIR, `${name}.json`), { force: true });
});

describe('build manifest', () => {
  it('is stale until built, then fresh until an input changes in content, is added or removed, or an output goes', () => {
    write(`${dir}/src/a.ts`, 'export const a = 1;');
    write(`${dir}/src/nested/b.ts`, 'export const b = 2;');
    write(`${dir}/src/a.test.ts`, 'tests are not inputs');
    expect(staleReason(target)).toBe('never built');
    built();
    expect(staleReason(target)).toBeNull();

    // Touched (a checkout, an editor saving unchanged text): same content, nothing to build.
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(path.join(ROOT, dir, 'src/a.ts'), later, later);
    expect(staleReason(target)).toBeNull();
    write(`${dir}/src/a.test.ts`, 'a test changed');
    expect(staleReason(target)).toBeNull();

    write(`${dir}/src/a.ts`, 'export const a = 2;');
    expect(staleReason(target)).toBe(`${dir}/src/a.ts changed`);
    built();
    write(`${dir}/src/c.ts`, 'export const c = 3;');
    expect(staleReason(target)).toBe(`${dir}/src/c.ts is new`);
    built();
    fs.rmSync(path.join(ROOT, dir, 'src/nested/b.ts'));
    expect(staleReason(target)).toBe(`${dir}/src/nested/b.ts was removed`);
    built();
    fs.rmSync(path.join(ROOT, target.outputs[0]!));
    expect(staleReason(target)).toBe(`${target.outputs[0]} is missing`);
  });
});
