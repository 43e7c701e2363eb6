import { scriptedTurn, toModelToolName, type ChatMessage, type ModelProvider } from '@weft/shared';
import { OFFLINE_DRAFTED, offlineDraftReply } from '../drafting/offline/draft-reply';

export const OFFLINE_NO_MODEL =
  '[offline] No language model is configured (set ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL). Offline I can draft workflows from descriptions such as "every weekday at 9 run `df -h` and notify me", list your workflows, and answer the commands: type / to see them (/run, /runs, /why, /fix, /approve, /deny, /help).';
export { OFFLINE_DRAFTED };

const WANTS_DRAFT = /\b(draft|create|make|build|automat|workflow|every|schedule|remind|when a webhook)\b/i;
/** Words that describe a new workflow, whatever else the sentence says ("create a workflow that deletes…"). */
const DESCRIBES_NEW = /\b(draft|create|make|build|automat\w*|every|daily|hourly|weekly|schedule|remind|whenever|when a webhook)\b/i;

/**
 * Requests to act on what exists (run, inspect, approve, delete): offline they get the command that
 * does it, in one line, never a draft (a draft of "run the disk check" is a junk workflow).
 */
const POINTERS: { pattern: RegExp; text: (content: string) => string }[] = [
  {
    pattern: /\b(delete|remove|get rid of|drop)\b/i,
    text: () => '[offline] I do not delete anything without a model: open the workflow from Automation → Workflows and delete it there.',
  },
  { pattern: /\b(approve|deny|reject)\b/i, text: () => "[offline] To decide this chat's pending approvals, type /approve or /deny (a comment may follow)." },
  {
    pattern: /\b(fix|repair)\b/i,
    text: () =>
      '[offline] To fix a failed run, type /fix (the latest failed run of this chat) or /fix <run id>: its failed step, error, log and the steps that fed it, and a re-run with the same inputs.',
  },
  {
    pattern: /\b(why|fail(ed|ing|s|ure)?|error|broke|went wrong|what happened|logs?)\b/i,
    text: () => '[offline] To see why a run failed, type /why (the latest failed run of this chat) or /why <run id>.',
  },
  { pattern: /\b(runs|executions|history|status)\b/i, text: () => '[offline] To list recent runs, type /runs, or /runs <workflow> for one workflow.' },
  {
    pattern: /\b(run|start|trigger|execute|launch|kick off)\b/i,
    text: (content) => {
      const named = /\b(?:run|start|trigger|execute|launch|kick off)\s+(?:the\s+|my\s+)?(.+?)(?:\s+workflow)?(?:\s+(?:now|please))?[\s.!?]*$/i.exec(
        content,
      )?.[1];
      const example = named && named.length <= 60 && !/\b(it|this|that)\b/i.test(named) ? `/run ${named}` : '/run <workflow>';
      return `[offline] To run a workflow, type ${example} (add key=value inputs after the name); type / to pick one.`;
    },
  },
];
const WANTS_LIST = /\b(list|show|which|what)\b.*\bworkflows?\b/i;
const LIST = 'workflows:list_workflows';
const DRAFT = 'workflows:draft_workflow';
const CALL_ID = 'offline_1';

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };
type ToolResult = { type: 'tool_result'; tool_use_id: string; content: string; is_error: boolean };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const blocksOf = (message: ChatMessage | undefined): unknown[] => (message && Array.isArray(message.content) ? message.content : []);

/** The result of this provider's own call, when the conversation ends with one. */
function lastToolResult(messages: ChatMessage[]): { name: string; result: ToolResult } | null {
  const result = blocksOf(messages.at(-1)).find((b): b is ToolResult => isRecord(b) && b.type === 'tool_result');
  if (!result) return null;
  const use = blocksOf(messages.at(-2)).find((b) => isRecord(b) && b.type === 'tool_use' && b.id === result.tool_use_id);
  return isRecord(use) && typeof use.name === 'string' ? { name: use.name, result } : null;
}

/** Workflow names from a `list_workflows` result, also when it was cut short for the model. */
function workflowNames(content: string): string[] {
  try {
    const items: unknown = JSON.parse(content);
    return Array.isArray(items) ? items.map((w) => String(isRecord(w) ? w.name : '')) : [];
  } catch {
    return [...content.matchAll(/"name":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
  }
}

function afterTool(name: string, result: ToolResult): string {
  if (name === toModelToolName(LIST)) {
    const names = result.is_error ? [] : workflowNames(result.content);
    return `[offline] ${names.length === 0 ? 'There are no workflows yet.' : `Workflows: ${names.join(', ')}.`}`;
  }
  if (!result.is_error) return offlineDraftReply(result.content);
  let error = result.content;
  try {
    const output: unknown = JSON.parse(result.content);
    if (isRecord(output) && typeof output.error === 'string') error = output.error;
  } catch {
    /* cut short: say it as it is */
  }
  return `[offline] I could not draft that: ${error}`;
}

/** The rule-based reply to the conversation: a tool call first, then a word on what it gave. */
function reply(messages: ChatMessage[]): Block[] {
  const called = lastToolResult(messages);
  if (called) return [{ type: 'text', text: afterTool(called.name, called.result) }];
  const last = messages.at(-1);
  const content = last?.role === 'user' && typeof last.content === 'string' ? last.content : '';
  const wantsDraft = WANTS_DRAFT.test(content);
  if (WANTS_LIST.test(content) && !wantsDraft) return [{ type: 'tool_use', id: CALL_ID, name: toModelToolName(LIST), input: {} }];
  const pointer = DESCRIBES_NEW.test(content) ? undefined : POINTERS.find((p) => p.pattern.test(content));
  if (pointer) return [{ type: 'text', text: pointer.text(content) }];
  if (wantsDraft) return [{ type: 'tool_use', id: CALL_ID, name: toModelToolName(DRAFT), input: { prompt: content } }];
  return [{ type: 'text', text: OFFLINE_NO_MODEL }];
}

/**
 * The chat assistant without a language model: it understands two requests, "list my workflows"
 * and "draft a workflow that …"; asked to run, inspect, approve or delete, it names the command
 * that does it. It calls the same tools through the same loop as a model would
 * (so the person's tool approvals apply alike). Every reply starts with `[offline]`.
 */
export function createOfflineAssistantProvider(): ModelProvider {
  return {
    kind: 'offline',
    model: 'offline',
    async turn(req) {
      return scriptedTurn({ provider: 'offline', model: 'offline', content: reply(req.messages), onEvent: req.onEvent });
    },
  };
}
