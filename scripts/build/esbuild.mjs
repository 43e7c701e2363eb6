import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { ROOT } from './targets.mjs';

/**
 * npm packages left outside the bundle, loaded from the target's node_modules at run time: native
 * addons (better-sqlite3; ws's optional bufferutil and utf-8-validate, which ws looks for itself),
 * pg (on SQLite it is never loaded; the worker threads that use it require it by path) and tsx (the
 * development loader).
 */
const EXTERNAL_PACKAGES = new Set(['better-sqlite3', 'bufferutil', 'pg', 'tsx', 'utf-8-validate']);

/**
 * ES modules have no `require`, `__filename` or `__dirname`; bundled CommonJS packages use them
 * (`require` of node's own modules, mostly). Named apart so no bundled module's names collide.
 */
const COMMONJS_GLOBALS = [
  "import { createRequire as __weftCreateRequire } from 'node:module';",
  "import { fileURLToPath as __weftFileURLToPath } from 'node:url';",
  "import { dirname as __weftDirname } from 'node:path';",
  'const require = __weftCreateRequire(import.meta.url);',
  'const __filename = __weftFileURLToPath(import.meta.url);',
  'const __dirname = __weftDirname(__filename);',
].join(' ');

/**
 * Builds a server or runner entry into ES modules for plain node (the entry and its chunks): the
 * repository's TypeScript (the package's own and `@weft/shared`'s source) and the npm packages it
 * imports statically, except EXTERNAL_PACKAGES. Bundled, the server starts about 0.2 s sooner and holds a few
 * MiB less (bench/RESULTS.md, issue 19): node no longer resolves, reads and pre-parses (for their
 * named exports) several hundred files of node_modules at every start.
 *
 * @param {import('./targets.mjs').EsbuildTarget} target
 * @returns {Promise<{ inputs: string[], outputs: string[] }>} paths relative to the root
 */
export async function buildWithEsbuild(target) {
  const esbuild = await import('esbuild');
  const outdir = path.dirname(target.outfile);
  // The folder holds only this build's output: chunks of an earlier build (their names are hashes) go.
  fs.rmSync(path.join(ROOT, outdir), { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { [path.basename(target.outfile, '.js')]: target.entry },
    outdir,
    // A module imported only through `await import()` goes into a chunk of its own, and so do the
    // npm packages it imports: in one file, esbuild hoists every external import to the top, and
    // the process would load OpenTelemetry at start even with traces off. The entry stays small.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Stack traces point at the .ts files (node --enable-source-maps); the sources stay in the checkout.
    sourcemap: 'linked',
    sourcesContent: false,
    // Without comments and indentation the bundle is about half the size, and pure ASCII: one
    // non-ASCII character (an ellipsis in a comment) makes V8 keep a module's source as UTF-16,
    // twice its size, for the life of the process.
    minifyWhitespace: true,
    metafile: true,
    banner: { js: COMMONJS_GLOBALS },
    logLevel: 'warning',
    plugins: [
      {
        name: 'weft-externals',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (isBuiltin(args.path)) return { external: true };
            const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
            // A package loaded by `await import()` stays outside too: it is loaded on first use
            // anyway, and bundled into a chunk of its own, a CommonJS package (undici, ajv) would
            // come back with nothing but a default export (esbuild cannot name its exports there).
            return EXTERNAL_PACKAGES.has(name) || args.kind === 'dynamic-import' ? { external: true } : undefined;
          });
        },
      },
    ],
  });
  await esbuild.stop();
  const outputs = Object.keys(result.metafile.outputs);
  const inputs = Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules/'));
  // Bundled npm code is pinned by the lockfile, an input of every target.
  return { inputs: [...target.inputs, ...inputs], outputs };
}
