import { describe, expect, it } from 'vitest';
import { NonRetriableStepError, StepFailedError } from '../engine/errors';
import { renderWorkspaceSpec, workspaceStepError } from './render';
import { WorkspaceError } from './types';

const scope = { inputs: { repo: 'https://github.com/acme/app', branch: 'fix/1', dir: '/srv/work/app', evil: 'ext::sh -c id' }, steps: {}, trigger: null };

describe('renderWorkspaceSpec', () => {
  it('renders templates of url, ref and path', () => {
    expect(renderWorkspaceSpec({ git: { url: '{{ inputs.repo }}', ref: '{{ inputs.branch }}', depth: 1, integration: 'github' } }, scope)).toEqual({
      kind: 'git',
      url: 'https://github.com/acme/app',
      ref: 'fix/1',
      depth: 1,
      integration: 'github',
    });
    expect(renderWorkspaceSpec({ path: '{{ inputs.dir }}/../app2' }, scope)).toEqual({ kind: 'path', path: '/srv/work/app2' });
    expect(renderWorkspaceSpec({ shared: 'cache' }, scope)).toEqual({ kind: 'shared', name: 'cache' });
  });

  it('refuses what a template renders into a protocol trick, a bad ref or a relative path', () => {
    expect(() => renderWorkspaceSpec({ git: { url: '{{ inputs.evil }}' } }, scope)).toThrow(WorkspaceError);
    expect(() => renderWorkspaceSpec({ git: { url: '{{ inputs.repo }}', ref: '--upload-pack=x' } }, scope)).toThrow('not a valid branch');
    expect(() => renderWorkspaceSpec({ path: 'relative' }, scope)).toThrow('must be an absolute path');
  });
});

describe('workspaceStepError', () => {
  it('makes refusals final and git failures retriable', () => {
    expect(workspaceStepError(new WorkspaceError('no', 'workspace_url_refused'))).toBeInstanceOf(NonRetriableStepError);
    expect(workspaceStepError(new WorkspaceError('network', 'workspace_clone_failed'))).toBeInstanceOf(StepFailedError);
    const other = new Error('x');
    expect(workspaceStepError(other)).toBe(other);
  });
});
