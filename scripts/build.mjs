#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { buildWithEsbuild } from './build/esbuild.mjs';
import { staleReason, writeManifest } from './build/manifest.mjs';
import { TARGET_NAMES, TARGETS } from './build/targets.mjs';
import { buildWithVite } from './build/vite.mjs';

/**
 * `node scripts/build.mjs [--force] [server] [runner] [client]`: builds what changed since its last
 * build (all three targets when none is named) and says, one line per target, what it did:
 * `weft build: server is up to date` or `weft build: server built in 212 ms (server/src/app.ts changed)`.
 *
 * @param {{ names?: string[], force?: boolean, log?: (line: string) => void }} options
 * @returns {Promise<string[]>} the targets it built
 */
export async function build({ names = TARGET_NAMES, force = false, log = (line) => process.stdout.write(`${line}\n`) } = {}) {
  const built = [];
  for (const name of names) {
    const target = TARGETS[/** @type {keyof typeof TARGETS} */ (name)];
    if (!target) throw new Error(`unknown build target "${name}" (known: ${TARGET_NAMES.join(', ')})`);
    const reason = force ? 'forced' : staleReason(target);
    if (reason === null) {
      log(`weft build: ${name} is up to date`);
      continue;
    }
    const startedAt = performance.now();
    if (target.kind === 'esbuild') {
      writeManifest(name, await buildWithEsbuild(target));
    } else {
      await buildWithVite(target);
      writeManifest(name, { inputs: (await import('./build/manifest.mjs')).currentInputs(target, null), outputs: target.outputs });
    }
    log(`weft build: ${name} built in ${Math.round(performance.now() - startedAt)} ms (${reason})`);
    built.push(name);
  }
  return built;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const names = args.filter((arg) => !arg.startsWith('--'));
  try {
    await build({ names: names.length > 0 ? names : TARGET_NAMES, force: args.includes('--force') });
  } catch (err) {
    process.stderr.write(`weft build: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
