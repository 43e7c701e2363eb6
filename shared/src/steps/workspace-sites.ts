import type { WorkspaceSpec } from './workspace';
import type { ExpressionSite } from './types';

/** The templates of a step's `workspace` (a git URL and ref, a path), for the validator's reference checks. */
export function workspaceSites(workspace: WorkspaceSpec | undefined): ExpressionSite[] {
  if (!workspace) return [];
  if ('git' in workspace) {
    const sites: ExpressionSite[] = [{ path: ['workspace', 'git', 'url'], kind: 'template', source: workspace.git.url }];
    if (workspace.git.ref !== undefined) sites.push({ path: ['workspace', 'git', 'ref'], kind: 'template', source: workspace.git.ref });
    return sites;
  }
  if ('path' in workspace) return [{ path: ['workspace', 'path'], kind: 'template', source: workspace.path }];
  return [];
}
