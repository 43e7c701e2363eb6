import './step-cards.css';
import type { Message, StepStatus } from '@weft/shared';
import { STATUS_LABELS } from '../diagram/step-display';
import { StepIcon } from '../diagram/nodes/icons';
import { runDuration, StepStatusMark } from '../executions/StepTrace';
import { describeIteration, stepName } from '../executions/step-runs';
import { useNow } from '../lib/use-now';
import type { ChatStore } from './chat-store';
import { MessageParts } from './MessageParts';
import { StructuredOutput } from './StructuredOutput';
import { useMessage } from './use-chat-session';
import type { RunDefinition } from './use-run-definitions';
import type { AgentStepItem } from './render-plan';
import { stepErrorSentence } from '../lib/error-sentence';
import { formatCostUsd, modelOf, personaOf, usageOf, workOf } from './step-facts';

const STATUSES = new Set<string>(Object.keys(STATUS_LABELS));
const asStatus = (status: string | undefined, fallback: StepStatus): StepStatus =>
  status !== undefined && STATUSES.has(status) ? (status as StepStatus) : fallback;

/**
 * One `agent_prompt` step instance in the chat: a bordered container whose header names the step,
 * the agent's persona, its iteration, model, tokens, estimated cost and live status; inside, the prompt and the streamed reply, its
 * structured output, and superseded attempts collapsed behind "N previous attempts".
 */
export function StepContainer({ store, item, run }: { store: ChatStore; item: AgentStepItem; run: RunDefinition | undefined }) {
  const lastTurn = useMessage(store, item.turns.at(-1) ?? PLACEHOLDER);
  const hasTurn = item.turns.length > 0;
  const status = asStatus(item.step?.status, hasTurn && lastTurn.status === 'streaming' ? 'running' : 'pending');
  const live = status === 'running' || status === 'waiting';
  const now = useNow(live);
  const model = modelOf(item.step?.output, hasTurn ? lastTurn.meta : null);
  const usage = usageOf(item.step?.output, model) ?? (hasTurn ? usageOf(lastTurn.meta, model) : null);
  const persona = personaOf({ meta: { ...item.prompt?.meta, ...(hasTurn ? lastTurn.meta : {}) }, definition: run?.definition, stepId: item.stepId });
  const work = workOf(item.step?.output);
  // A tool call held for a person (an ask, a question): the step runs, but waits on someone.
  const asking = live && hasTurn && lastTurn.parts.some((p) => p.type === 'tool_call' && p.status === 'waiting');
  const iteration = describeIteration(item.iterationPath, run?.definition);
  const name = stepName(run?.definition, item.stepId);

  return (
    <section
      className={`step-box step-box--${status}`}
      data-step-key={item.key}
      data-status={status}
      aria-label={`Step ${name}${iteration ? `, ${iteration}` : ''}`}
    >
      <header className="step-box__header">
        <span className="step-box__icon" aria-hidden="true">
          <StepIcon type="agent_prompt" />
        </span>
        <div className="step-box__title">
          <strong>{name}</strong>
          {persona !== null && <span className="step-box__persona">as {persona}</span>}
          {iteration !== '' && <span className="step-box__iteration">{iteration}</span>}
          {run !== undefined && <span className="step-box__run muted">in {run.name}</span>}
        </div>
        <div className="step-box__facts">
          {model !== null && (
            <span className="step-box__fact" title="Model">
              {model}
            </span>
          )}
          {usage !== null && (
            <span className="step-box__fact" title="Tokens read and written by the model">
              {usage.input.toLocaleString()} in / {usage.output.toLocaleString()} out tokens
            </span>
          )}
          {usage?.costUsd != null && (
            <span className="step-box__fact" title="Estimated cost, from the model's list prices">
              ≈ {formatCostUsd(usage.costUsd)}
            </span>
          )}
          {work.toolCalls !== null && work.toolCalls > 0 && (
            <span className="step-box__fact" title="Tool calls the agent made">
              {work.toolCalls} tool call{work.toolCalls === 1 ? '' : 's'}
            </span>
          )}
          {item.attempt > 1 && <span className="chip chip--warn">attempt {item.attempt}</span>}
          {asking && <span className="chip chip--warn step-box__asking">Waiting for a person</span>}
          <span className={`step-box__status wf-status--${status}`}>
            <StepStatusMark status={status} />
            {STATUS_LABELS[status]}
            {item.step !== null && <span className="step-box__duration">{runDuration(item.step, now)}</span>}
          </span>
        </div>
      </header>
      <div className="step-box__body">
        {item.prompt !== null && <Prompt store={store} message={item.prompt} />}
        {item.turns.map((turn) => (
          <AgentTurn key={turn.id} store={store} message={turn} />
        ))}
        {!hasTurn && live && <p className="step-box__waiting muted">Waiting for the model…</p>}
        {item.structured !== undefined && <StructuredOutput value={item.structured} />}
        {item.step?.error !== undefined && (
          <div className="alert alert--error">
            <div className="alert__body">{stepErrorSentence(item.step.error)}</div>
          </div>
        )}
        {item.previousAttempts.length > 0 && (
          <details className="step-box__previous">
            <summary>
              {item.previousAttempts.length} previous attempt{item.previousAttempts.length === 1 ? '' : 's'}
            </summary>
            {item.previousAttempts.map((turn) => (
              <AgentTurn key={turn.id} store={store} message={turn} superseded currentAttempt={item.attempt} />
            ))}
          </details>
        )}
      </div>
    </section>
  );
}

const PLACEHOLDER: Message = { id: '', sessionId: '', role: 'assistant', parts: [], status: 'complete', deltaSeq: 0, createdAt: '' };

function Prompt({ store, message: initial }: { store: ChatStore; message: Message }) {
  const message = useMessage(store, initial);
  const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  const long = text.length > 400 || text.split('\n').length > 6;
  return (
    <div className="step-box__prompt" data-message-id={message.id}>
      <p className="step-box__label">Prompt</p>
      {long ? (
        <details>
          <summary className="step-box__prompt-text">{text.slice(0, 240)}…</summary>
          <p className="step-box__prompt-text">{text}</p>
        </details>
      ) : (
        <p className="step-box__prompt-text">{text}</p>
      )}
    </div>
  );
}

/** Why an earlier answer was replaced, in words. */
function supersededReason(message: Message, currentAttempt: number): string {
  if ((message.attempt ?? 1) < currentAttempt)
    return `step attempt ${message.attempt ?? 1} ${message.status === 'error' ? 'failed' : 'ended'}; the step was retried`;
  const by = message.meta?.supersededBy;
  if (by === 'fixup') return 'it did not match the required output format, so the model was asked again';
  if (typeof by === 'string') return `the model failed mid-answer; ${by} took over`;
  return message.status;
}

function AgentTurn({
  store,
  message: initial,
  superseded = false,
  currentAttempt = 1,
}: {
  store: ChatStore;
  message: Message;
  superseded?: boolean;
  currentAttempt?: number;
}) {
  const message = useMessage(store, initial);
  const model = modelOf(message.meta);
  return (
    <div className={`step-box__turn${superseded ? ' step-box__turn--superseded' : ''}`} data-message-id={message.id} data-status={message.status}>
      {superseded ? (
        <p className="step-box__superseded-label">
          Earlier answer{model ? ` from ${model}` : ''}: {supersededReason(message, currentAttempt)}.
        </p>
      ) : (
        <p className="step-box__label">Reply</p>
      )}
      <MessageParts message={message} hideFinish={superseded} />
    </div>
  );
}
