import { z } from 'zod';

/**
 * Tools the runner itself provides to `agent_prompt` steps (docs/workspaces.md): the `workspace:*`
 * tools work inside the step's workspace, `agent:ask_user` asks the person a question. Selected by
 * the step's `tools` patterns like any other tool; `workspace` and `agent` are reserved integration names.
 */
export const BUILTIN_TOOL_PROVIDERS = ['workspace', 'agent'] as const;

/** Every path argument is relative to the workspace root; one resolving outside it is refused. */
const Path = { type: 'string', description: 'A path relative to the workspace root.' } as const;

export type BuiltinToolInfo = {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The tool changes files in the workspace (a snapshot of the workspace follows each call). */
  mutates: boolean;
  destructive: false;
};

export const WORKSPACE_TOOLS: readonly BuiltinToolInfo[] = [
  {
    name: 'workspace:read_file',
    description: 'Reads a text file of the workspace. Long files: give startLine and maxLines to read a part.',
    inputSchema: {
      type: 'object',
      properties: { path: Path, startLine: { type: 'integer', minimum: 1 }, maxLines: { type: 'integer', minimum: 1, maximum: 5000 } },
      required: ['path'],
      additionalProperties: false,
    },
    mutates: false,
    destructive: false,
  },
  {
    name: 'workspace:write_file',
    description: 'Creates or replaces a file of the workspace with the given content (parent directories are created).',
    inputSchema: { type: 'object', properties: { path: Path, content: { type: 'string' } }, required: ['path', 'content'], additionalProperties: false },
    mutates: true,
    destructive: false,
  },
  {
    name: 'workspace:edit_file',
    description:
      'Replaces exact text in a file of the workspace. oldText must occur exactly once unless replaceAll is true; the call fails when it is missing or ambiguous.',
    inputSchema: {
      type: 'object',
      properties: { path: Path, oldText: { type: 'string', minLength: 1 }, newText: { type: 'string' }, replaceAll: { type: 'boolean' } },
      required: ['path', 'oldText', 'newText'],
      additionalProperties: false,
    },
    mutates: true,
    destructive: false,
  },
  {
    name: 'workspace:list',
    description: 'Lists a directory of the workspace (the root when path is left out).',
    inputSchema: { type: 'object', properties: { path: Path }, additionalProperties: false },
    mutates: false,
    destructive: false,
  },
  {
    name: 'workspace:glob',
    description: 'Finds files of the workspace whose paths match a glob pattern such as "src/**/*.ts".',
    inputSchema: { type: 'object', properties: { pattern: { type: 'string', minLength: 1 } }, required: ['pattern'], additionalProperties: false },
    mutates: false,
    destructive: false,
  },
  {
    name: 'workspace:grep',
    description:
      'Searches the files of the workspace for a regular expression (RE2 syntax: linear time, no backreferences). Optional glob limits the files searched.',
    inputSchema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', minLength: 1 },
        glob: { type: 'string' },
        ignoreCase: { type: 'boolean' },
        maxMatches: { type: 'integer', minimum: 1, maximum: 1000 },
      },
      required: ['pattern'],
      additionalProperties: false,
    },
    mutates: false,
    destructive: false,
  },
  {
    name: 'workspace:bash',
    description:
      'Runs a bash command in the workspace root with a minimal environment and a timeout; the output is streamed into the step log and its tail returned.',
    inputSchema: {
      type: 'object',
      properties: { command: { type: 'string', minLength: 1 }, timeoutSeconds: { type: 'integer', minimum: 1, maximum: 600 } },
      required: ['command'],
      additionalProperties: false,
    },
    mutates: true,
    destructive: false,
  },
];

export const ASK_USER_TOOL: BuiltinToolInfo = {
  name: 'agent:ask_user',
  description:
    "Asks the person a question and waits for the answer: in the run's chat, or in the approvals inbox when the run has no chat. Use it when you cannot go on without their input.",
  inputSchema: {
    type: 'object',
    properties: { question: { type: 'string', minLength: 1, maxLength: 4000 } },
    required: ['question'],
    additionalProperties: false,
  },
  mutates: false,
  destructive: false,
};

export const BUILTIN_TOOLS: readonly BuiltinToolInfo[] = [...WORKSPACE_TOOLS, ASK_USER_TOOL];

/** What each built-in tool answers (the chat renders these compactly; `ToolResultView` in the client). */
export const ReadFileResult = z.object({
  path: z.string(),
  content: z.string(),
  startLine: z.number().int(),
  endLine: z.number().int(),
  totalLines: z.number().int(),
  truncated: z.boolean(),
});
export const WriteFileResult = z.object({ path: z.string(), bytes: z.number().int(), created: z.boolean(), diff: z.string() });
export const EditFileResult = z.object({ path: z.string(), replacements: z.number().int(), diff: z.string() });
export const ListResult = z.object({
  path: z.string(),
  entries: z.array(z.object({ name: z.string(), type: z.enum(['file', 'dir', 'symlink', 'other']), size: z.number().int().optional() })),
  truncated: z.boolean(),
});
export const GlobResult = z.object({ matches: z.array(z.string()), truncated: z.boolean() });
export const GrepResult = z.object({
  matches: z.array(z.object({ path: z.string(), line: z.number().int(), text: z.string() })),
  filesSearched: z.number().int(),
  truncated: z.boolean(),
});
export const BashToolResult = z.object({
  exitCode: z.number().int().nullable(),
  /** The last 16 KiB of each stream (the step log has all of it). */
  stdoutTail: z.string(),
  stderrTail: z.string(),
  timedOut: z.boolean(),
  truncated: z.boolean(),
});
export const AskUserResult = z.object({ answer: z.string(), answeredBy: z.string() });
