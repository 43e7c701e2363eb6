import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTsx } from './tsx-process';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The real server process for a start expected to fail: resolves with its exit code and
 * everything it printed. One that starts after all is stopped, so the test fails instead of hanging.
 */
export async function startServerProcess(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const server = spawnTsx('src/server.ts', { cwd: SERVER_DIR, env: { PORT: '0', WEFT_LOG_LEVEL: 'warn', ...env } });
  const started = setInterval(() => {
    if (server.output().includes('Weft is running')) server.child.kill('SIGTERM');
  }, 50);
  const code = await server.exited;
  clearInterval(started);
  return { code, output: server.output() };
}
