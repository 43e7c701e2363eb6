import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { ROOT } from './targets.mjs';

/**
 * Builds a server or runner entry into ES modules for plain node (the entry and its chunks). The repository's TypeScript
 * (the package's own and `@weft/shared`'s source) is bundled; npm packages the target's
 * package.json lists stay external and load from its node_modules at run time, as they do under
 * tsx. A package only a workspace dependency declares (jsep, through shared) is bundled: pnpm's
 * strict layout would not find it from the target's folder.
 *
 * @param {import('./targets.mjs').EsbuildTarget} target
 * @returns {Promise<{ inputs: string[], outputs: string[] }>} paths relative to the root
 */
export async function buildWithEsbuild(target) {
  const esbuild = await import('esbuild');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, target.packageDir, 'package.json'), 'utf8'));
  const declared = new Set(Object.keys(pkg.dependencies ?? {}));
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
    logLevel: 'warning',
    plugins: [
      {
        name: 'weft-externals',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (isBuiltin(args.path)) return { external: true };
            const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
            if (name.startsWith('@weft/')) return undefined;
            return declared.has(name) ? { external: true } : undefined;
          });
        },
      },
    ],
  });
  await esbuild.stop();
  const outputs = Object.keys(result.metafile.outputs);
  const inputs = Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules/'));
  // Bundled npm code (jsep) is pinned by the lockfile, an input of every target.
  return { inputs: [...target.inputs, ...inputs], outputs };
}
