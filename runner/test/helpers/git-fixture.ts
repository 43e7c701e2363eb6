import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Test repositories made with the test's own git, not the runner's hardened one. Plain Node only,
 * so the server's tests (which run real runners on such repositories) import it too.
 */
export const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@weft',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@weft',
};

/** Runs the test's own git (not the runner's hardened one) in `cwd`. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** A real repository with one commit of `files`, created by the test under `parent`. */
export function makeRepo(parent: string, files: Record<string, string | Buffer>, name = 'source'): { dir: string; head: string } {
  const dir = path.join(parent, name);
  fs.mkdirSync(dir, { recursive: true });
  gitIn(dir, 'init', '-q');
  writeFiles(dir, files);
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'first');
  return { dir, head: gitIn(dir, 'rev-parse', 'HEAD') };
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}
