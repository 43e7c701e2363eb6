import './chat.css';
import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { sessionsApi } from '../api/sessions';
import { describeError } from '../components/Panels';
import { inputTooLong } from '../lib/input-limits';
import type { ChatStore } from './chat-store';
import { CommandPalette, useCommandPalette } from './CommandPalette';

/**
 * Writes to the chat assistant. Enter sends, Shift+Enter starts a new line; the reply streams into
 * the feed. Typing `/` opens the command palette (arrows move, Enter or Tab pick, Escape closes).
 */
export function Composer({
  sessionId,
  store,
  busy = false,
  readOnly,
  onSent,
}: {
  sessionId: string;
  store: ChatStore;
  busy?: boolean;
  /** Why this person may not write here (someone else's chat): the composer is disabled and says so. */
  readOnly?: string | undefined;
  onSent?: () => void;
}) {
  const noteId = useId();
  const [text, setText] = useState('');
  const inputId = useId();
  const paletteId = useId();
  const palette = useCommandPalette({ text, onPick: setText });
  const post = useMutation({
    mutationFn: (content: string) => sessionsApi.post({ id: sessionId, content }),
    onSuccess: ({ message }) => {
      store.upsertMessage(message);
      setText('');
      onSent?.();
    },
  });
  const tooLong = inputTooLong(text);
  const send = (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (content === '' || post.isPending || tooLong !== null || readOnly !== undefined) return;
    post.mutate(content);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing || palette.onKeyDown(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) send(event);
  };
  return (
    <form className="composer" onSubmit={send}>
      <label htmlFor={inputId} className="visually-hidden">
        Message the assistant
      </label>
      {palette.open && <CommandPalette id={paletteId} options={palette.options} active={palette.active} onPick={palette.pick} />}
      <textarea
        id={inputId}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={palette.open}
        aria-controls={paletteId}
        {...(palette.open ? { 'aria-activedescendant': `${paletteId}-${palette.active}` } : {})}
        className="composer__input"
        rows={2}
        disabled={readOnly !== undefined}
        {...(readOnly !== undefined ? { 'aria-describedby': noteId } : {})}
        placeholder={
          busy
            ? 'The assistant is answering… you can type your next message.'
            : 'Ask the assistant to draft, run or explain a workflow, or type / for commands…'
        }
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="composer__side">
        <button type="submit" className="btn btn--primary" disabled={text.trim() === '' || post.isPending || tooLong !== null || readOnly !== undefined}>
          {post.isPending ? 'Sending…' : 'Send'}
        </button>
      </div>
      {readOnly !== undefined && (
        <p id={noteId} className="muted composer__note">
          {readOnly}
        </p>
      )}
      {tooLong !== null && (
        <p className="field__error composer__error" role="alert">
          {tooLong}
        </p>
      )}
      {post.isError && (
        <p className="field__error composer__error" role="alert">
          {describeError(post.error)}
        </p>
      )}
    </form>
  );
}
