import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../src/log';
import { DEFAULT_ADDRESS_POLICY } from '../../src/net/address-policy';
import { createWorkspaceManager } from '../../src/workspace/manager';
import type { WorkspaceManagerOptions } from '../../src/workspace/types';
import { tempDataDir } from './engine-harness';
import { GIT_ENV } from './git-fixture';

export { gitIn, makeRepo, writeFiles } from './git-fixture';

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
