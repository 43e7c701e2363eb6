import './executions.css';
import type { StepRun, WorkflowDefinition } from '@weft/shared';
import { STATUS_LABELS } from '../diagram/step-display';
import { formatAbsolute } from '../lib/time';
import { useNow } from '../lib/use-now';
import { runKey, type LogChunk } from './execution-state';
import { describeIteration } from './step-runs';
import { runDuration, StepStatusMark } from './StepTrace';
import { JsonBlock } from './VariablesPanel';
import { WorkspaceChangesView, workspaceChangesOf } from './WorkspaceChangesView';
import { stepErrorSentence } from '../lib/error-sentence';

type BashOutput = { stdout?: unknown; stderr?: unknown; exitCode?: unknown };

function asBash(output: unknown): BashOutput | null {
  if (typeof output !== 'object' || output === null) return null;
  return 'stdout' in output || 'stderr' in output ? (output as BashOutput) : null;
}

/**
 * Every attempt of one step, per iteration: status, timings, input, output, error; bash stdout and
 * stderr; a workspace's changed files and diff; and, while an attempt runs, its live `step.log` output.
 */
export function StepAttempts({
  runs,
  logs,
  definition = null,
}: {
  runs: readonly StepRun[];
  logs: ReadonlyMap<string, readonly LogChunk[]>;
  definition?: WorkflowDefinition | null;
}) {
  const live = runs.some((run) => run.finishedAt === null && run.startedAt !== null);
  const now = useNow(live);
  if (runs.length === 0) return <p className="muted">This step has not run.</p>;
  const byIteration = new Map<string, StepRun[]>();
  for (const run of runs) {
    let list = byIteration.get(run.iterationPath);
    if (list === undefined) {
      list = [];
      byIteration.set(run.iterationPath, list);
    }
    list.push(run);
  }
  return (
    <div className="attempts">
      {[...byIteration].map(([path, list]) => (
        <section key={path} className="attempts__iteration" aria-label={path === '' ? 'Runs' : describeIteration(path, definition)}>
          {path !== '' && <h4 className="attempts__heading">{describeIteration(path, definition)}</h4>}
          {[...list]
            .sort((a, b) => a.attempt - b.attempt)
            .map((run) => (
              <Attempt key={run.attempt} run={run} now={now} logs={logs.get(runKey(run)) ?? []} total={list.length} />
            ))}
        </section>
      ))}
    </div>
  );
}

function Attempt({ run, now, logs, total }: { run: StepRun; now: number; logs: readonly LogChunk[]; total: number }) {
  const bash = asBash(run.output);
  const workspace = workspaceChangesOf(run.output);
  const running = run.finishedAt === null && run.startedAt !== null;
  return (
    <div className="attempt" data-status={run.status}>
      <div className="attempt__head">
        <StepStatusMark status={run.status} />
        <strong>{STATUS_LABELS[run.status]}</strong>
        {(total > 1 || run.attempt > 1) && <span className="muted">attempt {run.attempt}</span>}
        {run.reused && <span className="chip">reused from the earlier run</span>}
        <span className="attempt__duration">{runDuration(run, now)}</span>
      </div>
      <dl className="attempt__times">
        {run.startedAt !== null && (
          <>
            <dt>Started</dt>
            <dd>{formatAbsolute(run.startedAt)}</dd>
          </>
        )}
        {run.finishedAt !== null && (
          <>
            <dt>Finished</dt>
            <dd>{formatAbsolute(run.finishedAt)}</dd>
          </>
        )}
      </dl>
      {run.error !== undefined && (
        <div className="alert alert--error">
          <div className="alert__body">{stepErrorSentence(run.error)}</div>
        </div>
      )}
      {run.input !== undefined && <JsonBlock label="Input" value={run.input} />}
      {workspace !== null && <WorkspaceChangesView changes={workspace} />}
      {bash !== null ? (
        <>
          {typeof bash.exitCode === 'number' && <p className="muted">Exit code {bash.exitCode}</p>}
          <Stream label="stdout" text={typeof bash.stdout === 'string' ? bash.stdout : ''} />
          <Stream label="stderr" text={typeof bash.stderr === 'string' ? bash.stderr : ''} />
          <JsonBlock label="Output" value={run.output} open={false} />
        </>
      ) : (
        run.output !== undefined && <JsonBlock label="Output" value={run.output} open />
      )}
      {logs.length > 0 && (bash === null || running) && (
        <div className="attempt__logs">
          <p className="attempt__label">{running ? 'Live output' : 'Output log'}</p>
          <pre className="code-block log-block" aria-live={running ? 'polite' : 'off'}>
            {logs.map((chunk, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: log chunks only append, so a chunk's position is its identity.
              <span key={i} className={`log-block__${chunk.stream}`}>
                {chunk.text}
              </span>
            ))}
          </pre>
        </div>
      )}
    </div>
  );
}

function Stream({ label, text }: { label: string; text: string }) {
  if (text === '') return null;
  return (
    <div>
      <p className="attempt__label">{label}</p>
      <pre className={`code-block log-block log-block__${label}`}>{text}</pre>
    </div>
  );
}
