import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: every path below is relative to it. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Inputs of every target: the lockfile (dependency versions) and the build scripts themselves (options). */
const COMMON_INPUTS = ['pnpm-lock.yaml', 'scripts/build/targets.mjs'];
const ESBUILD_INPUTS = [...COMMON_INPUTS, 'scripts/build/esbuild.mjs'];

/**
 * What `pnpm start` builds. An esbuild target's inputs are the files its last build read (esbuild's
 * metafile), so only an import it follows can make it stale; the client's are every file under its
 * folders, since Vite's graph is not recorded.
 *
 * @typedef {{ name: string, kind: 'esbuild', entry: string, outfile: string, packageDir: string, inputs: string[] }} EsbuildTarget
 * @typedef {{ name: string, kind: 'vite', dir: string, outputs: string[], inputs: string[], inputDirs: string[] }} ViteTarget
 * @typedef {EsbuildTarget | ViteTarget} Target
 * @type {Record<'server' | 'runner' | 'client', Target>}
 */
export const TARGETS = {
  server: {
    name: 'server',
    kind: 'esbuild',
    entry: 'server/src/cli/start.ts',
    // One folder below server/, like src/: server/src/paths.ts derives every path from that.
    outfile: 'server/dist/start.js',
    packageDir: 'server',
    inputs: [...ESBUILD_INPUTS, 'server/package.json', 'shared/package.json'],
  },
  runner: {
    name: 'runner',
    kind: 'esbuild',
    entry: 'runner/src/main.ts',
    // One folder below runner/, like src/: runner/src/config.ts finds the repository from there.
    outfile: 'runner/dist/main.js',
    packageDir: 'runner',
    inputs: [...ESBUILD_INPUTS, 'runner/package.json', 'shared/package.json'],
  },
  client: {
    name: 'client',
    kind: 'vite',
    dir: 'client',
    outputs: ['client/dist/index.html'],
    inputs: [
      ...COMMON_INPUTS,
      'scripts/build/vite.mjs',
      'client/index.html',
      'client/vite.config.ts',
      'client/package.json',
      'client/tsconfig.json',
      'shared/package.json',
    ],
    inputDirs: ['client/src', 'client/public', 'shared/src'],
  },
};

export const TARGET_NAMES = /** @type {Array<keyof typeof TARGETS>} */ (Object.keys(TARGETS));
