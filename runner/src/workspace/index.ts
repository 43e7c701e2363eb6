/**
 * Workspaces for `agent_prompt` and `bash` steps and the built-in `workspace:*` tools
 * (docs/workspaces.md). The agent loop and the bash step use only what this file exports.
 */
export { confinePath, PathRefusedError } from './confine';
export { createGitCredentialClient } from './git-credential-client';
export { createWorkspaceManager } from './manager';
export { parseWorkspaceRoots } from './provision-dirs';
export { renderWorkspaceSpec, workspaceStepError } from './render';
export { OUTPUT_DIFF_CAP_BYTES, reportWorkspace, SNAPSHOT_DIFF_CAP_BYTES, toWorkspaceChanges } from './snapshot';
export { createWorkspaceTools } from './tools/index';
export type {
  AcquireRequest,
  GitCredential,
  GitCredentialRequest,
  GitCredentialSource,
  ToolCallResult,
  Workspace,
  WorkspaceLog,
  WorkspaceManager,
  WorkspaceManagerOptions,
  WorkspaceRestore,
  WorkspaceSnapshot,
  WorkspaceState,
  WorkspaceTools,
  WorkspaceToolsOptions,
} from './types';
export { WorkspaceError } from './types';
