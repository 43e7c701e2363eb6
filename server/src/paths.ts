import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the server's files are, from source (`server/src/paths.ts`, run by tsx) and from the built
 * runtime alike: esbuild bundles this module into `server/dist/start.js`, where `import.meta.url`
 * is the bundle's. Both sit one folder below `server/`, so every path is derived from that one
 * fact here, never from a module's own depth (which a bundle flattens).
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));

export const SERVER_ROOT = path.resolve(HERE, '..');
export const REPO_ROOT = path.resolve(SERVER_ROOT, '..');
/** Read at start-up from the source tree in both cases: a new migration needs no rebuild. */
export const MIGRATIONS_DIR = path.join(SERVER_ROOT, 'src', 'migrations');
/** True in `server/dist` (plain node on JavaScript), false under tsx (dev, tests). */
export const RUNNING_BUILT = path.basename(HERE) === 'dist';

/** The runner the server starts as a child: its bundle when built, its TypeScript through tsx otherwise. */
export const RUNNER_COMMAND: { args: string[]; cwd: string } = RUNNING_BUILT
  ? { args: ['--enable-source-maps', path.join(REPO_ROOT, 'runner', 'dist', 'main.js')], cwd: path.join(REPO_ROOT, 'runner') }
  : { args: ['--import', 'tsx', path.join(REPO_ROOT, 'runner', 'src', 'main.ts')], cwd: path.join(REPO_ROOT, 'runner') };
