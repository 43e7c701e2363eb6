import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './targets.mjs';

/**
 * Builds the web client with the client's own Vite (its CLI in a child process: a build's memory
 * is not kept by whoever asked for it).
 *
 * @param {import('./targets.mjs').ViteTarget} target
 * @returns {Promise<void>}
 */
export function buildWithVite(target) {
  const cwd = path.join(ROOT, target.dir);
  const child = spawn(process.execPath, [path.join(cwd, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`vite build failed (${signal ?? `exit ${code}`})`))));
  });
}
