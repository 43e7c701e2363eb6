import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './targets.mjs';

/**
 * Incremental builds: each target's manifest records every input file it was built from (size,
 * mtime, content hash) and the outputs it wrote. A target is fresh while all its outputs exist and
 * no input was added, removed or changed in content. Checking costs one stat per input; a file
 * whose stat moved (a checkout, a touch) is hashed, and if its content is the same the stamp is
 * refreshed instead of rebuilding.
 *
 * @typedef {import('./targets.mjs').Target} Target
 * @typedef {{ size: number, mtimeMs: number, sha1: string }} Stamp
 * @typedef {{ inputs: Record<string, Stamp>, outputs: string[] }} Manifest
 */

/** Beside other tools' caches: not in the outputs (Vite empties client/dist) and not in git. */
export const MANIFEST_DIR = path.join(ROOT, 'node_modules', '.cache', 'weft-build');

const manifestFile = (/** @type {string} */ name) => path.join(MANIFEST_DIR, `${name}.json`);

/** @returns {Manifest | null} */
export function readManifest(/** @type {string} */ name) {
  try {
    return JSON.parse(fs.readFileSync(manifestFile(name), 'utf8'));
  } catch {
    return null;
  }
}

/** @returns {Stamp} */
function stamp(/** @type {string} */ file) {
  const abs = path.join(ROOT, file);
  const stat = fs.statSync(abs);
  return { size: stat.size, mtimeMs: stat.mtimeMs, sha1: crypto.createHash('sha1').update(fs.readFileSync(abs)).digest('hex') };
}

/** Records what a build read and wrote (paths relative to the root). */
export function writeManifest(/** @type {string} */ name, /** @type {{ inputs: Iterable<string>, outputs: string[] }} */ { inputs, outputs }) {
  /** @type {Manifest} */
  const manifest = { inputs: {}, outputs };
  for (const file of [...new Set(inputs)].sort()) manifest.inputs[file] = stamp(file);
  fs.mkdirSync(MANIFEST_DIR, { recursive: true });
  fs.writeFileSync(manifestFile(name), `${JSON.stringify(manifest, null, 1)}\n`);
}

const IS_TEST = /\.test\.[cm]?[jt]sx?$/;

/** Files under `dir` (relative to the root), tests left out: they are not part of any build. */
function walk(/** @type {string} */ dir) {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !IS_TEST.test(entry.name))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath ?? entry.path, entry.name)));
}

/** The inputs a target has now: its fixed list, plus what its last build read or what its folders hold. */
export function currentInputs(/** @type {Target} */ target, /** @type {Manifest | null} */ manifest) {
  const found = target.kind === 'vite' ? target.inputDirs.flatMap(walk) : Object.keys(manifest?.inputs ?? {});
  return [...new Set([...target.inputs, ...found])];
}

/**
 * Why `target` must be built, or null when its outputs are up to date. Refreshes the manifest's
 * stamps of inputs that were touched without changing.
 * @returns {string | null}
 */
export function staleReason(/** @type {Target} */ target) {
  const manifest = readManifest(target.name);
  if (!manifest) return 'never built';
  const missing = manifest.outputs.find((file) => !fs.existsSync(path.join(ROOT, file)));
  if (missing) return `${missing} is missing`;
  const inputs = currentInputs(target, manifest);
  const added = inputs.find((file) => !(file in manifest.inputs));
  if (added) return `${added} is new`;
  if (target.kind === 'vite') {
    const now = new Set(inputs);
    const removed = Object.keys(manifest.inputs).find((file) => !now.has(file));
    if (removed) return `${removed} was removed`;
  }
  let touched = false;
  for (const file of inputs) {
    const was = manifest.inputs[file];
    /** @type {fs.Stats} */
    let stat;
    try {
      stat = fs.statSync(path.join(ROOT, file));
    } catch {
      return `${file} was removed`;
    }
    if (stat.size === was.size && stat.mtimeMs === was.mtimeMs) continue;
    const now = stamp(file);
    if (now.sha1 !== was.sha1) return `${file} changed`;
    manifest.inputs[file] = now;
    touched = true;
  }
  if (touched) fs.writeFileSync(manifestFile(target.name), `${JSON.stringify(manifest, null, 1)}\n`);
  return null;
}
