import { WORKSPACE_TOOLS, type AskPreview } from '@weft/shared';
import type { ToolCallResult, WorkspaceTools, WorkspaceToolsOptions } from '../types';
import { bashCommand, bashTool } from './bash';
import { NO_SANDBOX } from '../../steps/sandbox';
import { failure, ok } from './common';
import { editFileTool, planEdit } from './edit-file';
import { globTool } from './glob';
import { grepTool } from './grep';
import { listTool } from './list';
import { readFileTool } from './read-file';
import { planWrite, writeFileTool } from './write-file';

/** The shared `AskPreview` limits (`diff` is capped by `fileDiff`). */
const PREVIEW_PATH_CHARS = 2000;
const PREVIEW_COMMAND_CHARS = 20_000;
const PREVIEW_WORKSPACE_CHARS = 2100;

export const BASH_TOOL_DISABLED_MESSAGE = 'workspace:bash is disabled on this server (WEFT_ALLOW_BASH)';

/**
 * The `workspace:*` tools of one step in one workspace. Every path is confined to the workspace
 * root (`confine.ts`); a refusal, a missing file or a failed edit is an `isError` result the agent
 * reads, so it can correct itself. Each successful write or edit is recorded as a change (the
 * only record `path`/`shared` workspaces have; git workspaces diff against their base commit).
 */
export function createWorkspaceTools({ workspace, environment, sandbox = NO_SANDBOX, allowBash, extraEnv = {} }: WorkspaceToolsOptions): WorkspaceTools {
  const root = workspace.root;
  const tools = WORKSPACE_TOOLS.filter((tool) => allowBash || tool.name !== 'workspace:bash');

  const run = async (name: string, input: unknown, signal: AbortSignal, log: Parameters<WorkspaceTools['call']>[2]['log']): Promise<ToolCallResult> => {
    switch (name) {
      case 'workspace:read_file':
        return ok(await readFileTool({ root, input }));
      case 'workspace:list':
        return ok(await listTool({ root, input }));
      case 'workspace:glob':
        return ok(await globTool({ root, input, signal }));
      case 'workspace:grep':
        return ok(await grepTool({ root, input, signal }));
      case 'workspace:write_file': {
        const output = await writeFileTool({ root, input });
        workspace.recordChange(output.path);
        return ok(output, true);
      }
      case 'workspace:edit_file': {
        const output = await editFileTool({ root, input });
        workspace.recordChange(output.path);
        return ok(output, true);
      }
      case 'workspace:bash': {
        if (!allowBash) return { output: { error: BASH_TOOL_DISABLED_MESSAGE }, isError: true, mutated: false };
        const env = { ...environment, ...extraEnv, WEFT_WORKSPACE_ROOT: root };
        const output = await bashTool({ root, input, env, sandbox, signal, log });
        // Whatever the exit code, the command may have changed files.
        return { output, isError: output.timedOut || output.exitCode !== 0, mutated: true };
      }
      default:
        return { output: { error: `unknown workspace tool ${JSON.stringify(name)}` }, isError: true, mutated: false };
    }
  };

  return {
    tools,
    async call(name, input, { signal, log }) {
      try {
        return await run(name, input, signal, log);
      } catch (error) {
        const result = failure(error);
        if (result) return result;
        throw error;
      }
    },
    async preview(name, input): Promise<AskPreview> {
      // Every field within the shared `AskPreview` limits: a preview over them is refused, and the step fails instead of asking.
      const base: AskPreview = { workspace: workspace.key.slice(0, PREVIEW_WORKSPACE_CHARS) };
      const raw = (input ?? {}) as Record<string, unknown>;
      const rawPath = typeof raw.path === 'string' ? raw.path.slice(0, PREVIEW_PATH_CHARS) : undefined;
      try {
        switch (name) {
          case 'workspace:bash':
            return { ...base, command: bashCommand(input).slice(0, PREVIEW_COMMAND_CHARS) };
          case 'workspace:write_file': {
            const plan = await planWrite({ root, input });
            return { ...base, path: plan.relative.slice(0, PREVIEW_PATH_CHARS), diff: plan.diff };
          }
          case 'workspace:edit_file': {
            const plan = await planEdit({ root, input });
            return { ...base, path: plan.relative.slice(0, PREVIEW_PATH_CHARS), diff: plan.diff };
          }
          case 'workspace:glob':
          case 'workspace:grep':
            return { ...base, ...(typeof raw.pattern === 'string' ? { path: raw.pattern.slice(0, PREVIEW_PATH_CHARS) } : {}) };
          default:
            return { ...base, ...(rawPath !== undefined ? { path: rawPath } : {}) };
        }
      } catch {
        // The call itself will fail and say why; the person still sees what was asked.
        return { ...base, ...(rawPath !== undefined ? { path: rawPath } : {}) };
      }
    },
  };
}
