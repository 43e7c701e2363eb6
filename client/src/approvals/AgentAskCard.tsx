import './approvals.css';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { InboxApproval } from '../api/approvals';
import { DiffView } from '../components/DiffView';
import { ApprovalsIcon } from '../components/icons';
import { describeError } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { describeIteration, stepName } from '../executions/step-runs';
import { useLiveApproval } from './approvals-store';
import { refusalOf } from './ApprovalTally';
import { ApprovalOutcome } from './ApprovalOutcome';
import { useApprovalRun } from './use-approval-run';
import { useDecision } from './use-decision';
import { runPath } from '../lib/paths';

/** An agent step's ask: a tool call its policy holds for a person, or a question (`agent:ask_user`). */
export type AgentAsk = Extract<InboxApproval, { kind: 'tool' }> & { executionId: string; stepId: string };

export const isAgentAsk = (approval: InboxApproval): approval is AgentAsk =>
  approval.kind === 'tool' && approval.executionId !== null && approval.stepId !== null && (approval.ask !== undefined || approval.preview !== undefined);

/**
 * The card for an agent's ask, in the chat, the inbox and beside the diagram node. A tool call shows
 * exactly what would run (the command, the file and the diff of the edit) with Approve, Approve for
 * the rest of this step, and Deny, whose comment goes back to the agent. A question shows the
 * question and an answer box; the answer is the decision's comment. Live from the shared store
 * like every approval card, and a late decision (409) shows the one that stands.
 */
export function AgentAskCard({
  approval: initial,
  context = 'inbox',
  compact = false,
  onLateDecision,
}: {
  approval: AgentAsk;
  context?: 'inbox' | 'chat' | 'execution';
  compact?: boolean;
  onLateDecision?: (approvalId: string) => void;
}) {
  const approval = useLiveApproval(initial) as AgentAsk;
  const question = approval.ask === 'question';
  const pending = approval.status === 'pending';
  const [text, setText] = useState('');
  const titleId = useId();
  const textId = useId();
  const whyNotId = useId();

  const { decide, conflict, whyNot } = useDecision({ approval, onLateDecision, whyNotFallback: 'You may not decide this.' });
  const disabled = decide.isPending || whyNot !== null;
  const describedBy = whyNot !== null ? whyNotId : undefined;
  const tone = pending ? 'pending' : approval.status === 'approved' ? 'approved' : 'closed';
  // Beside a diagram node the card is small: a short title, the call, the buttons (the node's mark says who waits).
  const title = pending
    ? question
      ? compact
        ? 'The agent asks you'
        : 'The agent asks you a question'
      : compact
        ? `Allow ${approval.tool.name.replace(/^workspace:/, '')}?`
        : 'The agent asks before running a tool'
    : question && approval.status === 'approved'
      ? 'Answered'
      : OUTCOME_TITLE[approval.status];

  return (
    <article
      className={`approval-card approval-card--ask approval-card--${tone}${compact ? ' approval-card--compact' : ''}`}
      aria-labelledby={titleId}
      data-approval-id={approval.id}
      data-status={approval.status}
      data-ask={question ? 'question' : 'tool'}
    >
      <header className="approval-card__header">
        <span className="approval-card__icon" aria-hidden="true">
          <ApprovalsIcon />
        </span>
        <h3 id={titleId} className="approval-card__title">
          {title}
        </h3>
        {pending && whyNot === null && !compact && <span className="chip chip--warn">Waiting for you</span>}
      </header>
      {!compact && <AskContext approval={approval} context={context} />}
      {question ? (
        <p className="ask-card__question">{approval.preview?.question ?? questionOf(approval.tool.arguments) ?? approval.message}</p>
      ) : (
        <CallPreview approval={approval} compact={compact} />
      )}

      {pending ? (
        <div className="approval-card__actions">
          {whyNot !== null && (
            <p id={whyNotId} className="approval-card__why-not muted" role="note">
              {whyNot}
            </p>
          )}
          {whyNot === null && (!compact || question) && (
            <div className="field approval-card__comment">
              <label className="field__label" htmlFor={textId}>
                {question ? (
                  'Your answer'
                ) : (
                  <>
                    Comment <span className="muted">(goes back to the agent; say why when you deny)</span>
                  </>
                )}
              </label>
              <textarea
                id={textId}
                className="textarea approval-card__textarea"
                rows={question ? 3 : 2}
                maxLength={5000}
                value={text}
                onChange={(e) => setText(e.target.value)}
              />
            </div>
          )}
          <div className="approval-card__buttons">
            {question ? (
              <>
                <button
                  type="button"
                  className="btn btn--danger-ghost"
                  disabled={disabled}
                  aria-describedby={describedBy}
                  onClick={() => decide.mutate({ decision: 'deny', comment: text })}
                >
                  Decline to answer
                </button>
                <button
                  type="button"
                  className="btn btn--primary"
                  disabled={disabled || text.trim() === ''}
                  aria-describedby={describedBy}
                  onClick={() => decide.mutate({ decision: 'approve', comment: text })}
                >
                  {decide.isPending ? 'Sending…' : 'Send answer'}
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="btn btn--danger-ghost"
                  disabled={disabled}
                  aria-describedby={describedBy}
                  onClick={() => decide.mutate({ decision: 'deny', comment: text })}
                >
                  Deny
                </button>
                <button
                  type="button"
                  className="btn"
                  disabled={disabled}
                  aria-describedby={describedBy}
                  title={`Later calls of ${approval.tool.name} in this step run without asking`}
                  onClick={() => decide.mutate({ decision: 'approve', comment: text, scope: 'step' })}
                >
                  {compact ? 'Approve for this step' : 'Approve for the rest of this step'}
                </button>
                <button
                  type="button"
                  className="btn btn--primary"
                  disabled={disabled}
                  aria-describedby={describedBy}
                  onClick={() => decide.mutate({ decision: 'approve', comment: text })}
                >
                  {decide.isPending ? 'Sending…' : 'Approve'}
                </button>
              </>
            )}
          </div>
        </div>
      ) : (
        <ApprovalOutcome approval={approval} conflict={conflict} verbs={question ? { approve: 'Answered', deny: 'Declined' } : undefined}>
          {!question && approval.status === 'approved' && approval.scope === 'step' && <span className="muted"> — for the rest of this step</span>}
        </ApprovalOutcome>
      )}
      {decide.isError && refusalOf(decide.error) === null && (
        <p className="field__error" role="alert">
          {describeError(decide.error)}
        </p>
      )}
    </article>
  );
}

const OUTCOME_TITLE: { readonly [S in InboxApproval['status']]: string } = {
  pending: 'Waiting for a decision',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
  closed: 'Closed',
};

function questionOf(args: unknown): string | null {
  const q = (args as { question?: unknown } | null)?.question;
  return typeof q === 'string' ? q : null;
}

/** Exactly what would run: the command, or the file and the diff, else the arguments as JSON. */
function CallPreview({ approval, compact }: { approval: AgentAsk; compact: boolean }) {
  const preview = approval.preview ?? {};
  const shown = preview.command !== undefined || preview.path !== undefined || preview.diff !== undefined;
  return (
    <div className="ask-card__call">
      <p className="ask-card__tool">
        <code>{approval.tool.name}</code>
        {preview.path !== undefined && (
          <>
            {' '}
            on <code className="ask-card__path">{preview.path}</code>
          </>
        )}
      </p>
      {preview.command !== undefined && (
        <figure aria-label="Command">
          <pre className="code-block ask-card__command">{preview.command}</pre>
        </figure>
      )}
      {preview.diff !== undefined && <DiffView diff={preview.diff} maxLines={compact ? 20 : 120} label={`Changes to ${preview.path ?? 'the file'}`} />}
      {!shown && <pre className="code-block">{JSON.stringify(approval.tool.arguments, null, 2)}</pre>}
      {preview.workspace !== undefined && !compact && <p className="muted ask-card__workspace">In workspace {preview.workspace}</p>}
    </div>
  );
}

/** The step and run the ask belongs to; the run page already shows the run, so there only the step. */
function AskContext({ approval, context }: { approval: AgentAsk; context: 'inbox' | 'chat' | 'execution' }) {
  const { definition, workflow } = useApprovalRun({ executionId: approval.executionId, workflowId: approval.workflowId });
  const iteration = describeIteration(approval.iterationPath, definition);
  return (
    <p className="approval-card__context muted">
      Step <strong>{stepName(definition, approval.stepId)}</strong>
      {iteration !== '' && <> · {iteration}</>}
      {context !== 'execution' && (
        <>
          {' '}
          in <strong>{workflow}</strong> · <Link to={runPath(approval.executionId, approval.stepId)}>View the run →</Link>
        </>
      )}{' '}
      · asked <RelativeTime iso={approval.requestedAt} />
    </p>
  );
}
