import './chat.css';
import './step-cards.css';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { isFinishedExecution } from '@weft/shared';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { isApiError } from '../api/http';
import { useLiveStatus } from '../api/live-socket';
import { sessionKeys, sessionsApi } from '../api/sessions';
import { useMe } from '../auth/use-can';
import { ChatIcon } from '../components/icons';
import { EmptyPanel, ErrorPanel } from '../components/Panels';
import { SkeletonLine } from '../components/Skeleton';
import { LiveIndicator } from '../executions/LiveIndicator';
import { ChatFeed } from './ChatFeed';
import { ChatTitle } from './ChatTitle';
import { Composer } from './Composer';
import { ContextBar } from './ContextBar';
import { NewChatButton } from './NewChatButton';
import { useChatSession } from './use-chat-session';
import { useRunDefinitions } from './use-run-definitions';
import { buildChatRenderPlan } from './render-plan';

/** `/chat/:sessionId`: the conversation, its runs streaming in, and the composer. */
export function ChatSessionPage() {
  const { sessionId = '' } = useParams();
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: sessionKeys.detail(sessionId), queryFn: ({ signal }) => sessionsApi.get(sessionId, signal) });
  const chat = useChatSession(sessionId);
  const liveStatus = useLiveStatus();
  const [sent, setSent] = useState(0);
  const { structure } = chat;
  const runs = useRunDefinitions(structure.executions);
  const plan = useMemo(
    () =>
      buildChatRenderPlan({
        messages: structure.messages,
        steps: structure.steps,
        executions: structure.executions.map((e) => ({
          id: e.id,
          createdAt: e.createdAt,
          finishedAt: e.finishedAt,
          ...(runs.get(e.id) ? { stepTypes: runs.get(e.id)!.stepTypes } : {}),
        })),
        approvals: structure.approvals,
      }),
    [structure, runs],
  );
  const executions = useMemo(() => new Map(structure.executions.map((e) => [e.id, e])), [structure.executions]);
  const streaming = structure.messages.some((m) => m.status === 'streaming' && m.executionId === undefined);
  const title = session.data?.title ?? 'Chat';
  const me = useMe();
  // An admin may open anyone's chat, read-only (the server answers 403 `not_your_chat` to writes).
  const ownerId = session.data?.ownerId;
  const otherOwner = ownerId !== undefined && me !== undefined && ownerId !== me.id ? (session.data?.ownerName ?? ownerId) : undefined;
  const readOnly = otherOwner === undefined ? undefined : `This is ${otherOwner}'s chat: you can read it, not write in it.`;

  if (session.isError && isApiError(session.error) && session.error.status === 404) {
    return (
      <div className="page">
        <EmptyPanel
          icon={<ChatIcon />}
          title="This chat does not exist"
          actions={
            <Link to="/chat" className="btn">
              All chats
            </Link>
          }
        >
          It may have been started on another Weft server.
        </EmptyPanel>
      </div>
    );
  }

  return (
    <div className="chat-page">
      <title>{`${title} · Chat · Weft`}</title>
      <header className="chat-page__header">
        <div className="chat-page__titles">
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            <Link to="/chat">Chat</Link>
            <span aria-hidden="true">/</span>
          </nav>
          {session.data ? (
            <ChatTitle session={session.data} readOnly={readOnly !== undefined} />
          ) : (
            <h1 className="chat-page__title">{session.isPending ? <SkeletonLine width={200} height={20} /> : title}</h1>
          )}
        </div>
        <div className="chat-page__actions">
          {chat.status === 'ready' && <LiveIndicator status={liveStatus} />}
          <NewChatButton />
        </div>
      </header>
      <ContextBar executions={structure.executions.filter((e) => !isFinishedExecution(e.status))} runs={runs} />
      {chat.status === 'loading' ? (
        <div className="feed feed--loading" aria-busy="true">
          <SkeletonLine width="40%" height={40} />
          <SkeletonLine width="55%" height={56} />
        </div>
      ) : chat.status === 'error' ? (
        <div className="feed">
          <ErrorPanel error={chat.error} title="Could not load this chat" onRetry={chat.retry} />
        </div>
      ) : (
        <ChatFeed
          store={chat.store}
          plan={plan}
          runs={runs}
          executions={executions}
          hasOlder={chat.hasOlder}
          loadingOlder={chat.loadingOlder}
          onLoadOlder={chat.loadOlder}
          endToken={sent}
          writer={otherOwner}
          empty={
            <div className="feed__empty">
              <p className="feed__empty-title">Start the conversation</p>
              <p className="muted">
                Describe an automation (“every weekday at 9, summarise open issues and post them here”) and the assistant drafts a workflow you can save. Runs
                started in this chat stream in here, step by step.
              </p>
            </div>
          }
        />
      )}
      <Composer
        sessionId={sessionId}
        store={chat.store}
        busy={streaming}
        readOnly={readOnly}
        onSent={() => {
          setSent((n) => n + 1);
          // A first message titles the chat (server side, before the 202): read the title again.
          void queryClient.invalidateQueries({ queryKey: sessionKeys.detail(sessionId), exact: true });
        }}
      />
    </div>
  );
}
