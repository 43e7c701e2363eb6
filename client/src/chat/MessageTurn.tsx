import './chat.css';
import type { Message } from '@weft/shared';
import { RelativeTime } from '../components/RelativeTime';
import type { ChatStore } from './chat-store';
import { MessageParts } from './MessageParts';
import { useMessage } from './use-chat-session';

const AUTHOR: { readonly [R in Message['role']]: string } = { user: 'You', assistant: 'Assistant', system: 'Weft' };

/** A chat bubble: yours on the right, the assistant's on the left, notes about runs centred. */
export function MessageTurn({ store, message: initial }: { store: ChatStore; message: Message }) {
  const message = useMessage(store, initial);
  const provider = typeof message.meta?.provider === 'string' ? message.meta.provider : null;
  return (
    <article className={`turn turn--${message.role}`} data-message-id={message.id} data-status={message.status} aria-label={`${AUTHOR[message.role]} said`}>
      <div className="turn__bubble">
        <MessageParts message={message} />
      </div>
      <p className="turn__meta">
        {AUTHOR[message.role]}
        {provider === 'offline' && ' · offline'}
        {' · '}
        <RelativeTime iso={message.createdAt} />
        {message.status === 'error' && <span className="turn__error"> · failed</span>}
      </p>
    </article>
  );
}
