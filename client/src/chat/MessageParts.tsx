import './chat.css';
import type { Message, MessagePart } from '@weft/shared';
import { DraftCard } from './DraftCard';
import { FixCard } from './FixCard';
import { MessageLink } from './MessageLink';
import { builtinToolResult } from './tools/BuiltinToolResult';
import { argumentSummary, denialOf, errorMessageOf, isAskUser, isBuiltinTool, toolCallStatus, toolStatusLabel } from './tools/tool-call-facts';

type ToolCall = Extract<MessagePart, { type: 'tool_call' }>;
type ToolResult = Extract<MessagePart, { type: 'tool_result' }>;
type Inline = Extract<MessagePart, { type: 'text' | 'link' }>;
const isInline = (part: MessagePart | undefined): part is Inline => part?.type === 'text' || part?.type === 'link';

function pretty(value: unknown): string {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/**
 * A message's parts as a person reads them: text; tool calls by name at once, their input filling
 * in as it streams, their result when it arrives; drafts as a diagram card; a fix of a failed run
 * as its card. `finish` parts show only when they say something (stopped, canceled, failed).
 */
export function MessageParts({ message, hideFinish = false }: { message: Message; hideFinish?: boolean }) {
  const results = new Map<string, ToolResult>();
  for (const part of message.parts) if (part.type === 'tool_result') results.set(part.toolCallId, part);
  const streaming = message.status === 'streaming';
  const lastText = message.parts.findLastIndex((p) => p.type === 'text');
  const lastInline = message.parts.findLastIndex(isInline);
  return (
    <div className="msg-parts">
      {message.parts.map((part, index) => {
        // biome-ignore-start lint/suspicious/noArrayIndexKey: parts only append and never move (deltas address them by index), so the position is a part's identity.
        switch (part.type) {
          case 'text':
          case 'link': {
            // A run of text and links is one paragraph, keyed by where it starts; the rest of the run renders nothing.
            if (isInline(message.parts[index - 1])) return null;
            let end = index;
            while (isInline(message.parts[end + 1])) end++;
            const run = message.parts.slice(index, end + 1) as Inline[];
            return (
              <p key={index} className="msg-text">
                {run.map((p, i) => (p.type === 'text' ? p.text : <MessageLink key={i} part={p} />))}
                {streaming && end === lastInline && lastText !== -1 && <span className="msg-caret" aria-hidden="true" />}
              </p>
            );
          }
          case 'tool_call':
            return <ToolCallView key={index} call={part} result={results.get(part.id)} streaming={streaming} />;
          case 'tool_result':
            // Shown with its call; a result without a call (should not happen) still shows.
            return message.parts.some((p) => p.type === 'tool_call' && p.id === part.toolCallId) ? null : <ToolResultView key={index} result={part} />;
          case 'draft':
            return <DraftCard key={index} messageId={message.id} index={index} draft={part} />;
          case 'fix':
            return <FixCard key={index} fixId={part.fixId} />;
          case 'finish':
            return hideFinish || part.reason === 'end_turn' || part.reason === 'complete' ? null : (
              <p key={index} className="msg-finish muted">
                {finishText(part.reason)}
              </p>
            );
          default: {
            const never: never = part;
            return <pre key={index}>{pretty(never)}</pre>;
          }
        }
        // biome-ignore-end lint/suspicious/noArrayIndexKey: see above
      })}
      {streaming && lastText === -1 && !message.parts.some((p) => p.type === 'tool_call') && (
        <p className="msg-text msg-text--pending">
          <span className="msg-caret" aria-hidden="true" />
          <span className="visually-hidden">Writing…</span>
        </p>
      )}
    </div>
  );
}

function finishText(reason: string): string {
  switch (reason) {
    case 'canceled':
      return 'Stopped: superseded or canceled.';
    case 'interrupted':
      return 'Interrupted: the server stopped while writing this reply.';
    case 'timeout':
      return 'Stopped: the step timed out.';
    case 'invalid_output':
      return 'The answer did not match the required format.';
    case 'error':
      return 'Stopped by an error.';
    case 'max_tokens':
      return 'Cut off at the length limit.';
    default:
      return `Stopped (${reason}).`;
  }
}

function ToolCallView({ call, result, streaming }: { call: ToolCall; result: ToolResult | undefined; streaming: boolean }) {
  if (isBuiltinTool(call.name)) return <BuiltinToolCall call={call} result={result} />;
  const input = call.input !== null && call.input !== undefined ? pretty(call.input) : (call.inputText ?? '');
  const status = toolCallStatus(call, result);
  return (
    <div className={`tool-call tool-call--${status}`} data-tool={call.name} data-status={status}>
      <div className="tool-call__head">
        <span className="tool-call__label">Tool</span>
        <code className="tool-call__name">{call.name}</code>
        <span className={`tool-call__status tool-call__status--${status}`}>{toolStatusLabel(call.name, status)}</span>
      </div>
      <div className="tool-call__body">
        <p className="tool-call__section">Input</p>
        <pre className="code-block tool-call__input">{input === '' ? (streaming && call.status === 'running' ? '…' : '{}') : input}</pre>
        {result !== undefined && <ToolResultView result={result} />}
      </div>
    </div>
  );
}

/**
 * A built-in tool's call (workspace tools, ask_user): the name, a one-line summary of its arguments
 * and its status in the header; the compact result (or the refusal, or the error) below; the full
 * call as JSON one click away.
 */
function BuiltinToolCall({ call, result }: { call: ToolCall; result: ToolResult | undefined }) {
  const status = toolCallStatus(call, result);
  const summary = argumentSummary(call.name, call.input);
  const denial = result !== undefined ? denialOf(result) : null;
  const command = call.name === 'workspace:bash' ? (call.input as { command?: unknown } | null)?.command : undefined;
  const compact = result !== undefined && denial === null ? builtinToolResult({ name: call.name, input: call.input, output: result.output }) : null;
  return (
    <div className={`tool-call tool-call--${status}`} data-tool={call.name} data-status={status}>
      <div className="tool-call__head">
        <code className="tool-call__name">{call.name.replace(/^(workspace|agent):/, '')}</code>
        {summary !== null && (
          <span className="tool-call__summary" title={summary}>
            {summary}
          </span>
        )}
        <span className={`tool-call__status tool-call__status--${status}`}>{toolStatusLabel(call.name, status)}</span>
      </div>
      <div className="tool-call__body">
        {typeof command === 'string' && command.includes('\n') && <pre className="code-block tool-call__input">{command}</pre>}
        {status === 'waiting' && (
          <p className="muted tool-result__line">
            {isAskUser(call.name) ? 'Waiting for your answer: see the question card.' : 'Waiting for a person to decide: see the approval card.'}
          </p>
        )}
        {denial !== null && (
          <p className="tool-call__denial">
            Denied{denial.comment !== null || denial.reason !== null ? ': ' : '.'}
            {denial.comment ?? denial.reason}
          </p>
        )}
        {compact !== null
          ? compact
          : result !== undefined &&
            denial === null && (
              <pre className={`code-block${result.isError ? ' code-block--error' : ''}`}>
                {(result.isError ? errorMessageOf(result) : null) ?? pretty(result.output)}
              </pre>
            )}
        <details className="tool-call__full">
          <summary>Full call as JSON</summary>
          <pre className="code-block">
            {pretty({
              name: call.name,
              input: call.input ?? call.inputText ?? null,
              ...(result !== undefined ? { result: result.output, isError: result.isError } : {}),
            })}
          </pre>
        </details>
      </div>
    </div>
  );
}

function ToolResultView({ result }: { result: ToolResult }) {
  const text = pretty(result.output);
  const long = text.length > 200 || text.split('\n').length > 4;
  return (
    <details className="tool-call__result" open={!long}>
      <summary className="tool-call__section">{result.isError ? 'Error' : 'Result'}</summary>
      <pre className={`code-block${result.isError ? ' code-block--error' : ''}`}>{text}</pre>
    </details>
  );
}
