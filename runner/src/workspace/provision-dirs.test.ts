import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/helpers/engine-harness';
import { parseWorkspaceRoots, resolveUnderRoots, sharedWorkspaceDir } from './provision-dirs';
import { WorkspaceError } from './types';

describe('WEFT_WORKSPACE_ROOTS', () => {
  it('parses colon-separated absolute directories', () => {
    expect(parseWorkspaceRoots('')).toEqual({ roots: [], problems: [] });
    expect(parseWorkspaceRoots('/srv/repos: /home/ci/work/ :')).toEqual({ roots: ['/srv/repos', '/home/ci/work'], problems: [] });
    expect(parseWorkspaceRoots('relative:/ok').problems).toEqual(['"relative" is not an absolute directory']);
    expect(parseWorkspaceRoots('/').problems[0]).toContain('every directory');
  });
});

describe('path workspaces', () => {
  it('accepts a directory under a root, by its real path', async () => {
    const root = fs.realpathSync(tempDataDir());
    fs.mkdirSync(path.join(root, 'a/b'), { recursive: true });
    fs.symlinkSync(path.join(root, 'a/b'), path.join(root, 'alias'));
    expect(await resolveUnderRoots({ roots: [root], dir: path.join(root, 'a/b'), what: 'workspace path' })).toBe(path.join(root, 'a/b'));
    expect(await resolveUnderRoots({ roots: [root], dir: path.join(root, 'alias'), what: 'workspace path' })).toBe(path.join(root, 'a/b'));
    expect(await resolveUnderRoots({ roots: [root], dir: root, what: 'workspace path' })).toBe(root);
  });

  it.each([
    ['outside every root', (_root: string, other: string) => other, 'not under a directory of WEFT_WORKSPACE_ROOTS'],
    ['climbing out with ..', (root: string) => path.join(root, '..'), 'not under'],
    [
      'a symlink inside a root pointing out',
      (root: string, other: string) => {
        fs.symlinkSync(other, path.join(root, 'out'));
        return path.join(root, 'out');
      },
      'not under',
    ],
    [
      'a sibling sharing the root’s prefix',
      (root: string) => {
        fs.mkdirSync(`${root}-evil`);
        return `${root}-evil`;
      },
      'not under',
    ],
    [
      'a file',
      (root: string) => {
        fs.writeFileSync(path.join(root, 'f'), '');
        return path.join(root, 'f');
      },
      'is not a directory',
    ],
    ['missing', (root: string) => path.join(root, 'missing'), 'does not exist'],
    ['relative', () => 'relative/dir', 'must be an absolute path'],
  ])('refuses %s', async (_name, dir, message) => {
    const root = fs.realpathSync(tempDataDir());
    const other = fs.realpathSync(tempDataDir());
    const error = await resolveUnderRoots({ roots: [root], dir: dir(root, other), what: 'workspace path' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkspaceError);
    expect((error as Error).message).toContain(message);
  });

  it('refuses every path when no roots are set', async () => {
    await expect(resolveUnderRoots({ roots: [], dir: '/tmp', what: 'workspace path' })).rejects.toThrow(
      'allows no local directories (set WEFT_WORKSPACE_ROOTS',
    );
  });
});

describe('shared workspaces', () => {
  it('live under <shared root>/<workflow id>/<name>, and a strange workflow id cannot climb', async () => {
    const sharedRoot = path.join(fs.realpathSync(tempDataDir()), 'workspaces');
    expect(await sharedWorkspaceDir({ sharedRoot, workflowId: 'wf_1', name: 'cache' })).toBe(path.join(sharedRoot, 'wf_1/cache'));
    const odd = await sharedWorkspaceDir({ sharedRoot, workflowId: '../../etc', name: 'cache' });
    expect(odd.startsWith(sharedRoot + path.sep)).toBe(true);
    await expect(sharedWorkspaceDir({ sharedRoot, workflowId: 'wf_1', name: '../x' })).rejects.toThrow('not valid');
  });
});
