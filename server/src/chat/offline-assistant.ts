import { scriptedTurn, toModelToolName, type ChatMessage, type ModelProvider } from '@weft/shared';
import { OFFLINE_DRAFTED, offlineDraftReply } from '../drafting/offline/draft-reply';

export const OFFLINE_NO_MODEL =
  '[offline] No language model is configured (set ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL). Offline I can draft workflows from descriptions such as "every weekday at 9 run `df -h` and notify me", and list your workflows.';
export { OFFLINE_DRAFTED };

const WANTS_DRAFT = /\b(draft|create|make|build|automat|workflow|every|schedule|remind|when a webhook)\b/i;
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
  if (wantsDraft) return [{ type: 'tool_use', id: CALL_ID, name: toModelToolName(DRAFT), input: { prompt: content } }];
  return [{ type: 'text', text: OFFLINE_NO_MODEL }];
}

/**
 * The chat assistant without a language model: it understands two requests, "list my workflows"
 * and "draft a workflow that …", and calls the same tools through the same loop as a model would
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
