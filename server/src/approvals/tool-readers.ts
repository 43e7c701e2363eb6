import type { ToolApproval } from '@weft/shared';
import type { Principal, UserPrincipal } from '../auth/principal';
import { memoBounded } from '../bounded-map';
import type { ChatOwners } from '../sessions/chat-owners';
import { REMEMBERED_CHATS } from '../sessions/chat-visibility';
import { canReadChat, OWNER_ID } from '../sessions/session-access';
import type { AgentAsks } from './agent-asks';
import type { ApprovalViewer } from './approvals-service';

/** What the rule reads of a tool approval: REST passes the stored row's view, the live path an event's data. */
export type ToolApprovalFacts = Pick<ToolApproval, 'id' | 'sessionId' | 'executionId' | 'ask' | 'status' | 'approvers'>;

/**
 * What judging a viewer's tool approvals looks up: a chat's person (null: the approval names no chat),
 * and whether the viewer may decide an agent's ask (null when they may, else why not).
 */
export type ToolJudge = {
  ownerOf(a: Pick<ToolApproval, 'sessionId'>): string | null;
  refusalOf: ReturnType<AgentAsks['viewerRefusals']>;
};

/** Whether one viewer (a socket's or a request's) may read a tool approval, in whatever state `a` shows it. */
export type ToolViewer = { mayRead(a: ToolApprovalFacts): boolean };

const hasRule = (a: { approvers?: unknown }) => {
  const rule = (a.approvers ?? {}) as { users?: readonly string[]; roles?: readonly string[] };
  return (rule.users?.length ?? 0) > 0 || (rule.roles?.length ?? 0) > 0;
};

/**
 * Who may read a tool approval (`kind: "tool"`), the one rule for REST (`GET /api/approvals`, `/:id`,
 * decisions) and the journal's `approvals` topic (journal/topics.ts, for `/api/events` and the live
 * socket). A call asked in a chat is that chat's business: its arguments and message may be
 * private, so its person and an admin read it and nobody else does. A call without a chat (a
 * workflow's) is everyone's with `read`. An agent step's ask of a run in a chat is also shown, while
 * it is pending, to whoever its step's `approvers` rule names to decide it.
 */
export function createToolReaders({
  chats,
  agentAsks,
  viewerOf,
}: {
  chats: ChatOwners;
  agentAsks: Pick<AgentAsks, 'viewerRefusals'>;
  viewerOf: (person: UserPrincipal) => ApprovalViewer;
}) {
  // A chat deleted since keeps its calls with the owner, as before people existed.
  const ownerOfChat = (sessionId: string): string => chats.ownerOf(sessionId) ?? OWNER_ID;

  const mayRead = (a: ToolApprovalFacts, person: Pick<UserPrincipal, 'id' | 'scopes'>, judge: ToolJudge): boolean => {
    const owner = judge.ownerOf(a);
    if (owner === null || canReadChat(person, owner)) return true;
    return a.ask !== undefined && a.status === 'pending' && hasRule(a) && judge.refusalOf(a) === null;
  };

  /** A chat's person per chat id, each asked once while remembered (at most `limit`, the oldest forgotten first). */
  const remembering = (limit: number): ToolJudge['ownerOf'] => {
    const owner = memoBounded(limit, ownerOfChat);
    return ({ sessionId }) => (sessionId === null ? null : owner(sessionId));
  };

  return {
    mayRead,

    /** One request's judge: each chat's person and each ask's refusal looked up once, however many approvals share them. */
    judgeFor(viewer: ApprovalViewer): ToolJudge {
      return { ownerOf: remembering(Number.POSITIVE_INFINITY), refusalOf: agentAsks.viewerRefusals(viewer) };
    },

    /**
     * A socket's viewer (or an events request's): it judges each event's approval as the event shows
     * it (its status then). It remembers each chat's person (at most `REMEMBERED_CHATS`): that never
     * changes while the chat exists. Once it is deleted its calls fall to the owner (`OWNER_ID`), which
     * a socket that remembered the person learns only when it reconnects; until then they stay with
     * that person, never with a third one. Whether the viewer may decide an ask is not remembered
     * (their email, which a rule may name, can change); it is asked only for a pending ask with a
     * rule in a chat they may not read.
     */
    viewer(principal: Principal | null): ToolViewer {
      const person = principal?.type === 'user' ? principal : null;
      const judge: ToolJudge = {
        ownerOf: remembering(REMEMBERED_CHATS),
        refusalOf: (a) => (person === null ? null : agentAsks.viewerRefusals(viewerOf(person))(a)),
      };
      return { mayRead: (a) => (person === null ? a.sessionId === null : mayRead(a, person, judge)) };
    },
  };
}

export type ToolReaders = ReturnType<typeof createToolReaders>;
