import './approvals.css';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { InboxApproval } from '../api/approvals';
import { ApprovalsIcon } from '../components/icons';
import { describeError } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { describeIteration, stepName, succeededSoFar } from '../executions/step-runs';
import { useLiveApproval } from './approvals-store';
import { ApproversLine, refusalOf } from './ApprovalTally';
import { AgentAskCard, isAgentAsk } from './AgentAskCard';
import { ApprovalOutcome } from './ApprovalOutcome';
import { useApprovalRun } from './use-approval-run';
import { useDecision } from './use-decision';
import { runPath } from '../lib/paths';

export type ApprovalCardProps = {
  approval: InboxApproval;
  /** Where the card sits: the inbox and the chat explain the run; the execution page already shows it. */
  context?: 'inbox' | 'chat' | 'execution';
  /** Beside a diagram node: the question and the two buttons, nothing else. */
  compact?: boolean;
  /**
   * Called when a decision arrives too late (409: decided or closed meanwhile), before the card
   * shows the standing outcome: a list that drops settled cards keeps this one, so the reason shows.
   */
  onLateDecision?: (approvalId: string) => void;
};

const STATUS_TEXT: { readonly [S in InboxApproval['status']]: string } = {
  pending: 'Waiting for a decision',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
  closed: 'Closed',
};

/**
 * The one approval card: what is asked, about which run, and Approve / Deny with an optional
 * comment. Reads the approval from the shared store, so a decision made anywhere (another tab,
 * the inbox, chat, the API) shows on every card at once. Deciding twice is harmless: a conflict
 * loads the decision that stands and shows it.
 */
export function ApprovalCard(props: ApprovalCardProps) {
  // An agent step's ask (a held tool call or a question) has its own card; `kind` never changes for an id.
  return isAgentAsk(props.approval) ? <AgentAskCard {...props} approval={props.approval} /> : <StepOrToolApprovalCard {...props} />;
}

function StepOrToolApprovalCard({ approval: initial, context = 'inbox', compact = false, onLateDecision }: ApprovalCardProps) {
  const approval = useLiveApproval(initial);
  const pending = approval.status === 'pending';
  const [commenting, setCommenting] = useState(false);
  const [comment, setComment] = useState('');
  const titleId = useId();
  const commentId = useId();
  const whyNotId = useId();

  const { decide, conflict, whyNot } = useDecision({ approval, onLateDecision, whyNotFallback: 'You may not decide this approval.' });

  const tone = pending ? 'pending' : approval.status === 'approved' ? 'approved' : 'closed';
  return (
    <article
      className={`approval-card approval-card--${tone}${compact ? ' approval-card--compact' : ''}`}
      aria-labelledby={titleId}
      data-approval-id={approval.id}
      data-status={approval.status}
    >
      <header className="approval-card__header">
        <span className="approval-card__icon" aria-hidden="true">
          <ApprovalsIcon />
        </span>
        <h3 id={titleId} className="approval-card__title">
          {pending ? (approval.kind === 'tool' ? 'The assistant asks before running a tool' : 'Approval needed') : STATUS_TEXT[approval.status]}
        </h3>
        {pending && !compact && (
          <span className="approval-card__when muted">
            Expires <RelativeTime iso={approval.expiresAt} />
          </span>
        )}
      </header>
      <p className="approval-card__message">{approval.message}</p>
      {compact ? null : approval.kind === 'tool' ? (
        <ToolContext approval={approval} />
      ) : context !== 'execution' ? (
        <RunContext approval={approval} />
      ) : (
        <StepLine approval={approval} />
      )}

      {approval.kind !== 'tool' && <ApproversLine approval={approval} />}

      {pending ? (
        <div className="approval-card__actions">
          {whyNot !== null && (
            <p id={whyNotId} className="approval-card__why-not muted" role="note">
              {whyNot}
            </p>
          )}
          {compact || whyNot !== null ? null : commenting ? (
            <div className="field approval-card__comment">
              <label className="field__label" htmlFor={commentId}>
                Comment <span className="muted">(optional, saved with the decision)</span>
              </label>
              <textarea id={commentId} className="textarea approval-card__textarea" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
            </div>
          ) : (
            <button type="button" className="btn btn--ghost btn--small" onClick={() => setCommenting(true)}>
              Add a comment
            </button>
          )}
          <div className="approval-card__buttons">
            <button
              type="button"
              className="btn btn--danger-ghost"
              disabled={decide.isPending || whyNot !== null}
              aria-describedby={whyNot !== null ? whyNotId : undefined}
              onClick={() => decide.mutate({ decision: 'deny', comment })}
            >
              Deny
            </button>
            <button
              type="button"
              className="btn btn--primary"
              disabled={decide.isPending || whyNot !== null}
              aria-describedby={whyNot !== null ? whyNotId : undefined}
              onClick={() => decide.mutate({ decision: 'approve', comment })}
            >
              {decide.isPending ? 'Sending…' : 'Approve'}
            </button>
          </div>
        </div>
      ) : (
        <ApprovalOutcome approval={approval} conflict={conflict} />
      )}
      {decide.isError && refusalOf(decide.error) === null && (
        <p className="field__error" role="alert">
          {describeError(decide.error)}
        </p>
      )}
    </article>
  );
}

function ToolContext({ approval }: { approval: Extract<InboxApproval, { kind: 'tool' }> }) {
  return (
    <div className="approval-card__context">
      <p>
        Tool <code>{approval.tool.name}</code>
        {approval.sessionId !== null && (
          <>
            {' · '}
            <Link to={`/chat/${encodeURIComponent(approval.sessionId)}`}>open the chat</Link>
          </>
        )}
      </p>
      <details>
        <summary>Arguments</summary>
        <pre className="code-block">{JSON.stringify(approval.tool.arguments, null, 2)}</pre>
      </details>
    </div>
  );
}

type StepApproval = Extract<InboxApproval, { kind: 'step' }>;

function StepLine({ approval }: { approval: StepApproval }) {
  const iteration = describeIteration(approval.iterationPath);
  return (
    <p className="approval-card__context muted">
      Step <code>{approval.stepId}</code>
      {iteration !== '' && <> · {iteration}</>} · requested <RelativeTime iso={approval.requestedAt} />
    </p>
  );
}

/** Workflow, step, iteration and what already ran, with a link to the run. */
function RunContext({ approval }: { approval: StepApproval }) {
  const { run, definition, workflow } = useApprovalRun({ executionId: approval.executionId, workflowId: approval.workflowId });
  const iteration = describeIteration(approval.iterationPath, definition);
  const ran = run ? succeededSoFar(run.steps, approval.stepId) : [];

  return (
    <div className="approval-card__context">
      <dl className="approval-card__facts">
        <dt>Workflow</dt>
        <dd>
          <strong>{workflow}</strong>
          {run !== undefined && <span className="muted"> v{run.workflowVersion}</span>}
        </dd>
        <dt>Step</dt>
        <dd>
          {stepName(definition, approval.stepId)}
          {iteration !== '' && <span className="muted"> · {iteration}</span>}
        </dd>
        <dt>Ran so far</dt>
        <dd>
          {run === undefined ? (
            <span className="muted">…</span>
          ) : ran.length === 0 ? (
            <span className="muted">nothing before this step</span>
          ) : (
            <span className="approval-card__ran">
              {ran.map(({ stepId, count }) => (
                <span key={stepId} className="chip chip--ok">
                  ✓ {stepName(definition, stepId)}
                  {count > 1 ? ` ×${count}` : ''}
                </span>
              ))}
            </span>
          )}
        </dd>
      </dl>
      <p className="muted">
        Requested <RelativeTime iso={approval.requestedAt} /> · <Link to={runPath(approval.executionId)}>View the run →</Link>
      </p>
    </div>
  );
}
