import { describe, expect, it } from 'vitest';
import { workspaceKey } from './workspace';

describe('workspaceKey', () => {
  it('shares a git workspace only between steps cloning the same url and ref with the same credential', () => {
    const url = 'https://github.com/acme/private.git';
    expect(workspaceKey({ kind: 'git', url, ref: 'main' })).toBe(workspaceKey({ kind: 'git', url, ref: 'main', depth: 1 }));
    expect(workspaceKey({ kind: 'git', url, ref: 'main', integration: 'gh' })).not.toBe(workspaceKey({ kind: 'git', url, ref: 'main' }));
    expect(workspaceKey({ kind: 'git', url, ref: 'main', integration: 'gh' })).not.toBe(workspaceKey({ kind: 'git', url, ref: 'main', integration: 'other' }));
    expect(workspaceKey({ kind: 'git', url, ref: 'main' })).not.toBe(workspaceKey({ kind: 'git', url, ref: 'dev' }));
    expect(workspaceKey({ kind: 'path', path: '/srv/a' })).not.toBe(workspaceKey({ kind: 'shared', name: 'a' }));
  });
});
