import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../src/log';
import { DEFAULT_ADDRESS_POLICY } from '../../src/net/address-policy';
import { createWorkspaceManager } from '../../src/workspace/manager';
import type { WorkspaceManagerOptions } from '../../src/workspace/types';
import { tempDataDir } from './engine-harness';

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

/** A manager whose WEFT_WORKSPACE_ROOTS is `roots`, with a fresh shared root. */
export function testManager(overrides: Partial<WorkspaceManagerOptions> & { roots: string[] }) {
  return createWorkspaceManager({
    sharedRoot: path.join(tempDataDir(), 'workspaces'),
    addressPolicy: DEFAULT_ADDRESS_POLICY,
    logger: silentLogger,
    gitPath: GIT_ENV.PATH,
    ...overrides,
  });
}

/** Every file under `dir` (not `.git`) with its bytes, for byte-for-byte comparisons. */
export function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isSymbolicLink()) out[rel] = `symlink:${fs.readlinkSync(path.join(dir, rel))}`;
      else out[rel] = fs.readFileSync(path.join(dir, rel)).toString('base64');
    }
  };
  walk('');
  return out;
}
