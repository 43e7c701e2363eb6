import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the server's files are, from source (`server/src/paths.ts`, run by tsx) and from the built
 * runtime alike: esbuild bundles this module into a chunk in `server/dist/` (beside `start.js`), where
 * `import.meta.url` is the chunk's. Both sit one folder below `server/`, so every path is derived from that one
 * fact here, never from a module's own depth (which a bundle flattens).
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));

export const SERVER_ROOT = path.resolve(HERE, '..');
export const REPO_ROOT = path.resolve(SERVER_ROOT, '..');
/** Read at start-up from the source tree in both cases: a new migration needs no rebuild. */
export const MIGRATIONS_DIR = path.join(SERVER_ROOT, 'src', 'migrations');
/** True in `server/dist` (plain node on JavaScript), false under tsx (dev, tests). */
export const RUNNING_BUILT = path.basename(HERE) === 'dist';

/**
 * V8's garbage-collection policy, read at each collection (unlike heap sizes, fixed when the process
 * starts), so the server sets it on itself at start (cli/start.ts) and the runner gets it on its
 * command line. By default V8 lets the old generation grow to about four times what survived the
 * last full collection before the next one: under load the server's 30 MiB of live objects sat in
 * 200 MiB of heap. At 1.5 times it stays under 150 MiB for a few percent more collection work; and
 * an idle process gives its free pages back after 2 s instead of 8 (bench/RESULTS.md, issue19-runtime).
 */
export const GC_POLICY_FLAGS = ['--heap-growing-percent=50', '--gc-memory-reducer-start-delay-ms=2000'];

/**
 * Node flags of the built runner (package.json's `start` gives the server the semi-space one): stack
 * traces through the source maps, and young-generation semi-spaces of 2 MiB instead of up to 16.
 * Start-up allocates enough to grow them to 16 (32 MiB of RSS per process, nearly all of it empty
 * once idle); 2 MiB keeps the same garbage collector at a fraction of the memory (bench/RESULTS.md, runtime).
 *
 * The runner also optimizes on its own thread (`--no-concurrent-recompilation`): optimizing on
 * V8's worker threads leaves their malloc arenas fragmented, about 9 MiB of the idle runner's RSS,
 * and varying from start to start. The runner does a fraction of a request's work, and alternated
 * runs showed no cost in throughput or latency; the server keeps concurrent optimization, whose
 * absence did show in its latency (bench/RESULTS.md, issue19-throughput, session 14).
 */
export const BUILT_NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=2', '--no-concurrent-recompilation', ...GC_POLICY_FLAGS];

/** The runner the server starts as a child: its bundle when built, its TypeScript through tsx otherwise. */
export const RUNNER_COMMAND: { args: string[]; cwd: string } = RUNNING_BUILT
  ? { args: [...BUILT_NODE_FLAGS, path.join(REPO_ROOT, 'runner', 'dist', 'main.js')], cwd: path.join(REPO_ROOT, 'runner') }
  : { args: ['--import', 'tsx', path.join(REPO_ROOT, 'runner', 'src', 'main.ts')], cwd: path.join(REPO_ROOT, 'runner') };
