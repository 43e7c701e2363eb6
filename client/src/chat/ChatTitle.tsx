import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Session } from '@weft/shared';
import { useId, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { sessionKeys, sessionsApi } from '../api/sessions';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { describeError } from '../components/Panels';

/**
 * The chat's title with Rename (edited in place: Enter saves, Escape cancels) and Delete (confirmed);
 * `readOnly` (someone else's chat) shows the title alone, as the server refuses both.
 */
export function ChatTitle({ session, readOnly = false }: { session: Session; readOnly?: boolean }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [editing, setEditing] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const inputId = useId();
  const rename = useMutation({
    mutationFn: (title: string) => sessionsApi.rename({ id: session.id, title }),
    onSuccess: (updated) => {
      queryClient.setQueryData(sessionKeys.detail(session.id), updated);
      void queryClient.invalidateQueries({ queryKey: sessionKeys.list() });
      setEditing(null);
    },
  });
  const remove = useMutation({
    mutationFn: () => sessionsApi.remove(session.id),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: sessionKeys.detail(session.id) });
      void queryClient.invalidateQueries({ queryKey: sessionKeys.list() });
      void navigate('/chat');
    },
  });
  const save = (event: FormEvent) => {
    event.preventDefault();
    const title = (editing ?? '').trim();
    if (title === '' || rename.isPending) return;
    if (title === session.title) setEditing(null);
    else rename.mutate(title);
  };

  return (
    <>
      {editing === null ? (
        <div className="chat-title">
          <h1 className="chat-page__title">{session.title}</h1>
          {!readOnly && (
            <>
              <button type="button" className="btn btn--small btn--ghost" onClick={() => setEditing(session.title)}>
                Rename
              </button>
              <button type="button" className="btn btn--small btn--danger-ghost" onClick={() => setConfirmDelete(true)}>
                Delete
              </button>
            </>
          )}
        </div>
      ) : (
        <form className="chat-title" onSubmit={save}>
          <label htmlFor={inputId} className="visually-hidden">
            Chat title
          </label>
          <input
            id={inputId}
            className="input chat-title__input"
            value={editing}
            maxLength={200}
            // biome-ignore lint/a11y/noAutofocus: the person just pressed Rename; the field they asked for takes focus.
            autoFocus
            onChange={(e) => setEditing(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                rename.reset();
                setEditing(null);
              }
            }}
          />
          <button type="submit" className="btn btn--small btn--primary" disabled={editing.trim() === '' || rename.isPending}>
            {rename.isPending ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="btn btn--small" onClick={() => setEditing(null)}>
            Cancel
          </button>
          {rename.isError && (
            <p className="field__error" role="alert">
              {describeError(rename.error)}
            </p>
          )}
        </form>
      )}
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this chat?"
        confirmLabel="Delete chat"
        tone="danger"
        busy={remove.isPending}
        error={remove.isError ? describeError(remove.error) : undefined}
        onConfirm={() => remove.mutate()}
        onCancel={() => {
          remove.reset();
          setConfirmDelete(false);
        }}
      >
        “{session.title}” and its messages are deleted. Runs started from it stay in Executions.
      </ConfirmDialog>
    </>
  );
}
