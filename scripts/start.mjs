#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { staleReason } from './build/manifest.mjs';
import { TARGET_NAMES, TARGETS } from './build/targets.mjs';

/**
 * `pnpm start`: builds what changed (server, runner, client; nothing when nothing did), then runs the
 * built server in this very process with plain node, and it starts the built runner. Building
 * happens in a child process so that esbuild's and Vite's memory is not kept by the server.
 */
const stale = TARGET_NAMES.filter((name) => staleReason(TARGETS[name]) !== null);
if (stale.length > 0) {
  const build = spawnSync(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'build.mjs'), ...stale], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// Stack traces name the TypeScript files (the bundles carry source maps).
process.setSourceMapsEnabled(true);
await import(pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', TARGETS.server.outfile)).href);
