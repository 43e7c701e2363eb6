import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@weft',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@weft',
};

/** The test's own git (not the runner's hardened one), run in `cwd`. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** A local repository with one commit of `files`, for a `workspace: { git: { url: <dir> } }` to clone. */
export function makeGitRepo(parent: string, name: string, files: Record<string, string>): { dir: string; head: string } {
  const dir = path.join(parent, name);
  fs.mkdirSync(dir, { recursive: true });
  gitIn(dir, 'init', '-q');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'first');
  return { dir, head: gitIn(dir, 'rev-parse', 'HEAD') };
}
