import { ASK_USER_TOOL, BUILTIN_TOOLS, type MessagePart } from '@weft/shared';

type ToolCall = Extract<MessagePart, { type: 'tool_call' }>;
type ToolResult = Extract<MessagePart, { type: 'tool_result' }>;

/** What a person reads about a call: the part's own status, plus `denied` (a person or the policy said no). */
export type ToolCallStatus = ToolCall['status'] | 'denied';

export const TOOL_STATUS_LABELS: { readonly [S in ToolCallStatus]: string } = {
  running: 'Running',
  waiting: 'Waiting for approval',
  succeeded: 'Done',
  failed: 'Failed',
  denied: 'Denied',
  canceled: 'Canceled',
};

/** The status as the call's header says it: a question waits for an answer, not an approval. */
export const toolStatusLabel = (name: string, status: ToolCallStatus): string =>
  status === 'waiting' && isAskUser(name) ? 'Waiting for an answer' : TOOL_STATUS_LABELS[status];

const BUILTIN_NAMES = new Set(BUILTIN_TOOLS.map((t) => t.name));
export const isBuiltinTool = (name: string): boolean => BUILTIN_NAMES.has(name);
export const isAskUser = (name: string): boolean => name === ASK_USER_TOOL.name;

/** Codes the runner and server give a refused call (person, policy, server-held ask). */
const DENIAL_CODES = new Set(['tool_denied', 'tool_call_denied', 'tool_denied_by_person', 'tool_denied_by_policy', 'ask_denied']);

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** A tool's output, which a model-facing layer may have serialised to a JSON string. */
export function outputValue(output: unknown): unknown {
  if (typeof output !== 'string') return output;
  const trimmed = output.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return output;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return output;
  }
}

/** The call's status: its result decides once it arrives (an error result that is a refusal reads `denied`). */
export function toolCallStatus(call: ToolCall, result: ToolResult | undefined): ToolCallStatus {
  if (result === undefined) return call.status;
  if (!result.isError) return 'succeeded';
  return denialOf(result) !== null ? 'denied' : 'failed';
}

/**
 * The refusal a result carries (`{denied: true}` or a denial code): the comment that went back to
 * the agent (a person's), and the refusal's own message (who or what refused).
 */
export function denialOf(result: ToolResult): { comment: string | null; reason: string | null } | null {
  if (!result.isError) return null;
  const output = record(outputValue(result.output));
  if (output === null) return null;
  if (output.denied !== true && !(typeof output.code === 'string' && DENIAL_CODES.has(output.code))) return null;
  const comment = typeof output.comment === 'string' && output.comment !== '' ? output.comment : null;
  const reason = typeof output.error === 'string' && output.error !== '' ? output.error : null;
  return { comment, reason };
}

/** The message of an error result (`{error}` or `{message}`), else null. */
export function errorMessageOf(result: ToolResult): string | null {
  const output = outputValue(result.output);
  if (typeof output === 'string') return output;
  const r = record(output);
  if (r === null) return null;
  if (typeof r.error === 'string') return r.error;
  if (typeof r.message === 'string') return r.message;
  return null;
}

const oneLine = (text: string, max = 120): string => {
  const first = text.split('\n', 1)[0] ?? '';
  const more = first.length < text.length;
  return first.length > max ? `${first.slice(0, max - 1)}…` : more ? `${first} …` : first;
};

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * A one-line summary of a built-in call's arguments (the path, the pattern, the command's first
 * line, the question); null for other tools or input not parsed yet.
 */
export function argumentSummary(name: string, input: unknown): string | null {
  const args = record(input);
  if (args === null) return null;
  switch (name) {
    case 'workspace:read_file': {
      const path = str(args.path);
      if (path === null) return null;
      const start = typeof args.startLine === 'number' ? args.startLine : null;
      const count = typeof args.maxLines === 'number' ? args.maxLines : null;
      return start !== null || count !== null ? `${path} (from line ${start ?? 1}${count !== null ? `, ${count} lines` : ''})` : path;
    }
    case 'workspace:write_file':
    case 'workspace:edit_file':
      return str(args.path);
    case 'workspace:list':
      return str(args.path) ?? '.';
    case 'workspace:glob':
      return str(args.pattern);
    case 'workspace:grep': {
      const pattern = str(args.pattern);
      if (pattern === null) return null;
      const glob = str(args.glob);
      return `/${pattern}/${args.ignoreCase === true ? 'i' : ''}${glob !== null ? ` in ${glob}` : ''}`;
    }
    case 'workspace:bash': {
      const command = str(args.command);
      return command === null ? null : oneLine(command);
    }
    case 'agent:ask_user': {
      const question = str(args.question);
      return question === null ? null : oneLine(question);
    }
    default:
      return null;
  }
}

/** The last `count` lines of `text` and how many were left out before them. */
export function tailLines(text: string, count: number): { text: string; omitted: number } {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length <= count) return { text: lines.join('\n'), omitted: 0 };
  return { text: lines.slice(-count).join('\n'), omitted: lines.length - count };
}
