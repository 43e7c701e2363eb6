import './draft-chat.css';
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { IssueList } from '../../components/IssueList';
import { attemptsLabel, providerLabel, type ChatEntry, type DraftedBy } from './conversation';

const EXAMPLES = [
  'Every weekday at 9 run `df -h /` and notify me',
  'When a webhook is called, summarise the body and post it to chat',
  'Every hour fetch https://example.com/health and notify me if it is not ok',
];

export function ProviderChip({ by }: { by: DraftedBy }) {
  const offline = by.provider === 'offline';
  return (
    <span
      className={offline ? 'chip chip--warn' : 'chip chip--accent'}
      title={offline ? 'No language model is configured: the rule-based drafter answered.' : `Drafted by ${by.provider} (${by.model})`}
      data-testid="draft-provider"
    >
      {providerLabel(by)}
    </span>
  );
}

/**
 * The drafting conversation: what was asked, what came back, and a box to ask for more. Enter
 * sends, Shift+Enter starts a new line. With a step selected, the message refines only that step.
 */
export function DraftChat({
  entries,
  pending,
  hasDraft,
  refining,
  onSend,
  onStopRefining,
  focusToken,
  onOpenJson,
  onShowTemplates,
}: {
  entries: readonly ChatEntry[];
  pending: boolean;
  hasDraft: boolean;
  /** The selected step, when the next message refines only it. */
  refining: { stepId: string; title: string } | null;
  /** False when the message was not taken (a draft is still coming); the box then keeps the text. */
  onSend: (prompt: string) => boolean;
  onStopRefining: () => void;
  /** Changes when the composer should take focus (a step was selected). */
  focusToken: number;
  /** Offered when the drafter could not read a request: write the workflow as JSON instead. */
  onOpenJson: () => void;
  /** Offered likewise: start from a template. */
  onShowTemplates?: () => void;
}) {
  const [text, setText] = useState('');
  const inputId = useId();
  const hintId = useId();
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (focusToken > 0) input.current?.focus();
  }, [focusToken]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: not read, but a new entry or the pending reply is what grows the log; follow it to the bottom.
  useEffect(() => {
    const el = log.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, [entries.length, pending]);

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    const prompt = text.trim();
    if (prompt === '' || pending) return;
    if (onSend(prompt) !== false) setText('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) send(event);
    else if (event.key === 'Escape' && refining !== null) {
      event.preventDefault();
      onStopRefining();
    }
  };

  const placeholder =
    refining !== null ? `How should ${refining.title} change?` : hasDraft ? 'Ask for a change to the whole workflow…' : 'Describe what the workflow should do…';

  return (
    <section className="card draft-chat" aria-labelledby={`${inputId}-title`}>
      <div className="card__header">
        <h2 id={`${inputId}-title`}>Describe it</h2>
        {pending && (
          <span className="muted draft-chat__working" role="status">
            Drafting…
          </span>
        )}
      </div>
      <ol className="draft-chat__log" ref={log} aria-label="Conversation" aria-live="polite" data-testid="draft-log">
        {entries.length === 0 && !pending && (
          <li className="draft-chat__intro">
            <p>Say what should happen and when. A draft appears on the right; then ask for changes, select a step to change only it, or edit the JSON.</p>
            <div className="draft-chat__examples">
              {EXAMPLES.map((example) => (
                <button
                  key={example}
                  type="button"
                  className="example-prompt"
                  onClick={() => {
                    setText(example);
                    input.current?.focus();
                  }}
                >
                  {example}
                </button>
              ))}
            </div>
          </li>
        )}
        {entries.map((entry) => (
          <li key={entry.id} className={`bubble bubble--${entry.role}`} data-role={entry.role}>
            {entry.role === 'user' && entry.stepTitle !== undefined && <span className="bubble__scope">Step {entry.stepTitle}</span>}
            <p className="bubble__text">{entry.text}</p>
            {entry.role === 'assistant' && entry.unhandled !== undefined && (
              <p className="bubble__unhandled" data-testid="draft-unhandled">
                Not in this draft: {entry.unhandled.join('; ')}
              </p>
            )}
            {entry.role === 'unread' && (
              <span className="bubble__offers">
                {onShowTemplates !== undefined && (
                  <button type="button" className="btn btn--small" onClick={onShowTemplates}>
                    Browse templates
                  </button>
                )}
                <button type="button" className="btn btn--small" onClick={onOpenJson}>
                  Write it as JSON
                </button>
              </span>
            )}
            {(entry.role === 'assistant' || entry.role === 'unread') && (
              <span className="bubble__meta">
                <ProviderChip by={entry.by} />
                <span>{attemptsLabel(entry.by.attempts)}</span>
              </span>
            )}
            {entry.role === 'error' && <IssueList issues={entry.issues.slice(0, 6)} />}
            {entry.role === 'error' && entry.attempts !== null && <span className="bubble__meta">{attemptsLabel(entry.attempts)}</span>}
          </li>
        ))}
        {pending && (
          <li className="bubble bubble--assistant bubble--pending" aria-hidden="true">
            <span className="typing">
              <span />
              <span />
              <span />
            </span>
          </li>
        )}
      </ol>
      <form className="draft-chat__form" onSubmit={send}>
        {refining !== null && (
          <div className="refine-chip" data-testid="refining-step">
            <span>
              Only step <strong>{refining.title}</strong>
            </span>
            <button type="button" className="refine-chip__clear" onClick={onStopRefining} aria-label="Refine the whole workflow instead">
              ×
            </button>
          </div>
        )}
        <label htmlFor={inputId} className="visually-hidden">
          {refining !== null ? `Change step ${refining.title}` : hasDraft ? 'Change the workflow' : 'Describe the workflow'}
        </label>
        <textarea
          id={inputId}
          ref={input}
          className="draft-chat__input"
          rows={3}
          value={text}
          placeholder={placeholder}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby={hintId}
          data-testid="draft-input"
        />
        <div className="draft-chat__actions">
          <span id={hintId} className="field__hint">
            <kbd>Enter</kbd> sends · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line{refining !== null ? ' · Esc whole workflow' : ''}
          </span>
          <button type="submit" className="btn btn--primary btn--small" disabled={text.trim() === '' || pending}>
            {pending ? 'Drafting…' : hasDraft ? 'Send' : 'Draft'}
          </button>
        </div>
      </form>
    </section>
  );
}
