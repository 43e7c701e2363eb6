import './chat.css';
import type { Message } from '@weft/shared';
import { RelativeTime } from '../components/RelativeTime';
import type { ChatStore } from './chat-store';
import { MessageParts } from './MessageParts';
import { useMessage } from './use-chat-session';

const AUTHOR: { readonly [R in Message['role']]: string } = { user: 'You', assistant: 'Assistant', system: 'Weft' };

/**
 * A chat bubble: yours on the right, the assistant's on the left, notes about runs centred.
 * `writer` names the person's messages when they are not the reader's (someone else's chat).
 */
export function MessageTurn({ store, message: initial, writer }: { store: ChatStore; message: Message; writer?: string | undefined }) {
  const message = useMessage(store, initial);
  const author = message.role === 'user' && writer !== undefined ? writer : AUTHOR[message.role];
  const provider = typeof message.meta?.provider === 'string' ? message.meta.provider : null;
  return (
    <article className={`turn turn--${message.role}`} data-message-id={message.id} data-status={message.status} aria-label={`${author} said`}>
      <div className="turn__bubble">
        <MessageParts message={message} />
      </div>
      <p className="turn__meta">
        {author}
        {provider === 'offline' && ' · offline'}
        {' · '}
        <RelativeTime iso={message.createdAt} />
        {message.status === 'error' && <span className="turn__error"> · failed</span>}
      </p>
    </article>
  );
}
