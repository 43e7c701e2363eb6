import './chat.css';
import type { Message, MessagePart } from '@weft/shared';
import { DraftCard } from './DraftCard';
import { MessageLink } from './MessageLink';

type ToolCall = Extract<MessagePart, { type: 'tool_call' }>;
type ToolResult = Extract<MessagePart, { type: 'tool_result' }>;
type Inline = Extract<MessagePart, { type: 'text' | 'link' }>;
const isInline = (part: MessagePart | undefined): part is Inline => part?.type === 'text' || part?.type === 'link';

const TOOL_STATUS: { readonly [S in ToolCall['status']]: string } = {
  running: 'Running',
  waiting: 'Waiting for approval',
  succeeded: 'Done',
  failed: 'Failed',
  canceled: 'Canceled',
};

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
 * in as it streams, their result when it arrives; drafts as a diagram card. `finish` parts show
 * only when they say something (stopped, canceled, failed).
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
  const input = call.input !== null && call.input !== undefined ? pretty(call.input) : (call.inputText ?? '');
  const status = result?.isError ? 'failed' : call.status;
  return (
    <div className={`tool-call tool-call--${status}`} data-tool={call.name}>
      <div className="tool-call__head">
        <span className="tool-call__label">Tool</span>
        <code className="tool-call__name">{call.name}</code>
        <span className={`tool-call__status tool-call__status--${status}`}>{TOOL_STATUS[status]}</span>
      </div>
      <div className="tool-call__body">
        <p className="tool-call__section">Input</p>
        <pre className="code-block tool-call__input">{input === '' ? (streaming && call.status === 'running' ? '…' : '{}') : input}</pre>
        {result !== undefined && <ToolResultView result={result} />}
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
