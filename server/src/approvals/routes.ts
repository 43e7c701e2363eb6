import { ApprovalsQuery, DecisionRequest, IdParams, type ApprovalListResponse, type InboxApproval } from '@weft/shared';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { userOf } from '../auth/principal';
import { AppError, notFound } from '../http/errors';
import { parseRequest } from '../http/parse';
import type { ApprovalViewer } from './approvals-service';
import type { ToolJudge } from './tool-readers';
import { chatById } from '../sessions/session-access';

const approvalsRoutes: FastifyPluginAsync = async (app) => {
  const approvals = app.approvals;
  const viewerOf = (request: FastifyRequest, action: string) => approvals.viewerOf(userOf(request.principal, action));
  /**
   * A held call has no approver rule: whoever holds `approve` may decide it while it waits. An
   * agent's ask follows its step's `approvers` (and its run's chat person may decide it).
   */
  const withToolMayDecide = (a: InboxApproval, viewer: ApprovalViewer, judge: ToolJudge): InboxApproval => {
    if (a.kind !== 'tool') return a;
    if (a.ask !== undefined) {
      const refusal = a.status === 'pending' ? judge.refusalOf(a) : null;
      return { ...a, mayDecide: a.status === 'pending' && refusal === null, ...(refusal ? { whyNot: refusal.message } : {}) };
    }
    const mayApprove = viewer.scopes.includes('approve');
    const personId = viewer.id;
    const owner = judge.ownerOf(a);
    const whyNot = !mayApprove
      ? 'Your role or token does not allow deciding approvals.'
      : owner !== null && owner !== personId
        ? 'This call was asked for in another person’s chat: only they decide it.'
        : null;
    return { ...a, mayDecide: a.status === 'pending' && whyNot === null, ...(whyNot === null ? {} : { whyNot }) };
  };

  /**
   * Which tool approvals a person may read: one rule with the `approvals` topic's events
   * (approvals/tool-readers.ts). An agent's ask whose rule names this person is theirs to see, and
   * its chat is not: `sessionId` is shown only to who may read that chat (sessions/chat-visibility.ts).
   */
  const { mayRead: mayReadTool, judgeFor } = app.toolReaders;
  const shown = (request: FastifyRequest, a: InboxApproval): InboxApproval => app.chatVisibility.viewer(request.principal).redact(a);
  /**
   * A tool approval's decision, shown as `shown` shows it: the 409 of one decided or closed meanwhile
   * carries the approval in its details, and its chat is hidden there too.
   */
  const decidedTool = (request: FastifyRequest, decide: () => InboxApproval): InboxApproval => {
    try {
      return shown(request, decide());
    } catch (err) {
      const details = err instanceof AppError ? (err.details as { approval?: InboxApproval } | undefined) : undefined;
      if (!(err instanceof AppError) || !details?.approval) throw err;
      throw new AppError(err.statusCode, err.code, err.message, { ...details, approval: shown(request, details.approval) });
    }
  };

  app.get('/api/approvals', async (request): Promise<ApprovalListResponse> => {
    const q = parseRequest(ApprovalsQuery, request.query, 'query');
    // Which approvals came from a chat is the chat's to tell: 404 for someone else's, as the chat itself.
    if (q.sessionId !== undefined) chatById(app, request.principal, q.sessionId, 'read');
    const viewer = viewerOf(request, 'list approvals');
    // Step approvals and tool-call approvals share one inbox: what this person may decide first, then newest first.
    const person = userOf(request.principal, 'list approvals');
    const judge = judgeFor(viewer);
    const tool = app.toolApprovals.list({ status: q.status, sessionId: q.sessionId, executionId: q.executionId }).filter((a) => mayReadTool(a, person, judge));
    const chatsSeen = app.chatVisibility.viewer(request.principal);
    const all: InboxApproval[] = [...approvals.list(q, viewer), ...tool.map((a) => chatsSeen.redact(withToolMayDecide(a, viewer, judge)))];
    all.sort(
      (a, b) => Number(b.mayDecide === true) - Number(a.mayDecide === true) || (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0),
    );
    return { approvals: all.slice(0, q.limit) };
  });

  app.get('/api/approvals/:id', async (request): Promise<InboxApproval> => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const viewer = viewerOf(request, 'see an approval');
    if (app.toolApprovals.isToolApproval(id)) {
      const tool = app.toolApprovals.get(id);
      const judge = judgeFor(viewer);
      if (!mayReadTool(tool, userOf(request.principal, 'see an approval'), judge)) throw notFound(`approval ${id}`);
      return shown(request, withToolMayDecide(tool, viewer, judge));
    }
    return approvals.get(id, viewer);
  });

  // Decisions only by POST (link-preview bots that GET a URL must never approve anything), and only
  // by a person: who decides is who the credential says is calling, never a name from the body.
  app.post('/api/approvals/:id/decision', async (request): Promise<InboxApproval> => {
    const { id } = parseRequest(IdParams, request.params, 'params');
    const body = parseRequest(DecisionRequest, request.body, 'body');
    const person = viewerOf(request, 'decide an approval');
    if (app.toolApprovals.isToolApproval(id) && app.agentAsks.isAsk(id)) {
      if (!mayReadTool(app.toolApprovals.get(id), userOf(request.principal, 'decide an approval'), judgeFor(person))) throw notFound(`approval ${id}`);
      // Audited as `tool_approval.decided` while its event is written (audit/approval-entries.ts).
      return decidedTool(request, () =>
        app.audit.actingFor(request.principal, () => app.agentAsks.decide({ id, decision: body.decision, comment: body.comment, scope: body.scope, person })),
      );
    }
    if (body.scope === 'step') throw new AppError(422, 'invalid_scope', 'scope: "step" applies only to an agent step\'s tool ask');
    if (app.toolApprovals.isToolApproval(id)) {
      const tool = app.toolApprovals.get(id);
      const judge = judgeFor(person);
      const owner = judge.ownerOf(tool);
      if (!mayReadTool(tool, userOf(request.principal, 'decide an approval'), judge)) throw notFound(`approval ${id}`);
      if (owner !== null && owner !== person.id) {
        throw new AppError(403, 'not_your_chat', 'this call was asked for in another person’s chat: only they decide it', { ownerId: owner });
      }
      // Audited as `tool_approval.decided` while its event is written (audit/approval-entries.ts).
      return decidedTool(request, () =>
        app.audit.actingFor(request.principal, () =>
          app.toolApprovals.decide({ id, decision: body.decision, comment: body.comment, decidedBy: person.name, decidedById: person.id }),
        ),
      );
    }
    return approvals.decide({ id, decision: body.decision, comment: body.comment, person });
  });
};

export default approvalsRoutes;
