import './chat.css';
import type { ExecutionSummary } from '@weft/shared';
import { useCallback } from 'react';
import type { InboxApproval } from '../api/approvals';
import { ApprovalCard } from '../approvals/ApprovalCard';
import { VirtualList } from '../components/VirtualList';
import type { ChatStore } from './chat-store';
import { ChatStepCard } from './ChatStepCard';
import { ExecutionDivider } from './ExecutionDivider';
import { MessageTurn } from './MessageTurn';
import { StepContainer } from './StepContainer';
import type { RunDefinition } from './use-run-definitions';
import type { ChatRenderItem } from './render-plan';

const ESTIMATES: { readonly [K in ChatRenderItem['kind']]: number } = { turn: 84, execution: 52, agent_step: 280, step: 48, approval: 240 };
const keyOf = (item: ChatRenderItem) => item.key;
const estimate = (item: ChatRenderItem) => ESTIMATES[item.kind];

/**
 * The conversation as one feed by time (the render plan), windowed: only the rows near the
 * viewport are in the DOM, so a session of thousands of messages scrolls like a short one.
 */
export function ChatFeed({
  store,
  plan,
  runs,
  executions,
  hasOlder = false,
  loadingOlder = false,
  onLoadOlder,
  empty,
  endToken,
  writer,
}: {
  store: ChatStore;
  plan: readonly ChatRenderItem[];
  runs: ReadonlyMap<string, RunDefinition>;
  executions: ReadonlyMap<string, ExecutionSummary>;
  hasOlder?: boolean;
  loadingOlder?: boolean;
  onLoadOlder?: () => void;
  empty?: React.ReactNode;
  endToken?: number;
  /** Who wrote the person's messages, when that is not the reader (see MessageTurn). */
  writer?: string | undefined;
}) {
  const render = useCallback(
    (item: ChatRenderItem) => {
      switch (item.kind) {
        case 'turn':
          return <MessageTurn store={store} message={item.message} writer={writer} />;
        case 'execution':
          return <ExecutionDivider execution={executions.get(item.executionId)} name={runs.get(item.executionId)?.name} edge={item.edge} />;
        case 'agent_step':
          return <StepContainer store={store} item={item} run={runs.get(item.executionId)} />;
        case 'step':
          return <ChatStepCard item={item} run={runs.get(item.executionId)} />;
        case 'approval':
          return (
            <div className="feed__approval">
              <ApprovalCard approval={item.approval as InboxApproval} context="chat" />
            </div>
          );
        default: {
          const never: never = item;
          return never;
        }
      }
    },
    [store, runs, executions, writer],
  );

  return (
    <VirtualList
      items={plan}
      getKey={keyOf}
      estimateSize={estimate}
      renderItem={render}
      followOutput
      endToken={endToken}
      onNearTop={hasOlder && !loadingOlder ? onLoadOlder : undefined}
      className="feed"
      aria-label="Conversation"
      header={
        <div className="feed__start">
          {hasOlder ? (
            <button type="button" className="btn btn--ghost btn--small" disabled={loadingOlder} onClick={onLoadOlder}>
              {loadingOlder ? 'Loading earlier messages…' : 'Load earlier messages'}
            </button>
          ) : plan.length === 0 ? (
            empty
          ) : (
            <span className="muted">Start of the conversation</span>
          )}
        </div>
      }
    />
  );
}
