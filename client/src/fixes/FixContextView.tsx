import type { FixContext, FixValue } from '@weft/shared';
import { Link } from 'react-router';
import { runPath } from '../lib/paths';
import { fixValueText } from './fix-text';

function ValueBlock({ value }: { value: FixValue }) {
  const { text, note } = fixValueText(value);
  return (
    <>
      <pre className="code-block fix-context__value">{text}</pre>
      {note !== null && <p className="muted fix-context__note">{note}</p>}
    </>
  );
}

/**
 * The deterministic part of a fix, the same with and without a model: the failed step (a link to
 * it in the run), its error and input, the steps that fed it, the last log lines and the run's
 * inputs. Every value is the run's data, shown as text.
 */
export function FixContextView({ context }: { context: FixContext }) {
  const failed = context.failedStep;
  return (
    <div className="fix-context" data-testid="fix-context">
      {failed === null ? (
        <p className="muted">No step of this run failed: it was {context.status} before any step did.</p>
      ) : (
        <>
          <p className="fix-context__step">
            Failed step{' '}
            <Link to={runPath(context.executionId, failed.stepId)} className="mono">
              {failed.stepId}
            </Link>
            {failed.type !== null && <span className="muted"> · {failed.type}</span>}
            {failed.iterationPath !== '' && <span className="muted"> · iteration {failed.iterationPath}</span>}
            {failed.attempt > 1 && <span className="muted"> · attempt {failed.attempt}</span>}
          </p>
          <pre className="code-block code-block--error fix-context__error" data-testid="fix-error">
            {failed.error}
          </pre>
          {failed.input !== null && (
            <details className="fix-context__section">
              <summary>Its input</summary>
              <ValueBlock value={failed.input} />
            </details>
          )}
        </>
      )}
      {context.feeders.length > 0 && (
        <details className="fix-context__section" data-testid="fix-feeders">
          <summary>Steps that fed it ({context.feeders.length})</summary>
          <ul className="fix-context__feeders">
            {context.feeders.map((feeder) => (
              <li key={feeder.stepId}>
                <span className="fix-context__feeder-head">
                  <Link to={runPath(context.executionId, feeder.stepId)} className="mono">
                    {feeder.stepId}
                  </Link>{' '}
                  <span className="muted">{feeder.status ?? 'did not run'}</span>
                </span>
                {feeder.output !== null && <ValueBlock value={feeder.output} />}
              </li>
            ))}
          </ul>
        </details>
      )}
      {context.logTail.length > 0 && (
        <details className="fix-context__section" open>
          <summary>Last log lines</summary>
          <pre className="code-block fix-context__logs" data-testid="fix-logs">
            {context.logTail.join('\n')}
          </pre>
        </details>
      )}
      <details className="fix-context__section">
        <summary>The run’s inputs</summary>
        <ValueBlock value={context.inputs} />
      </details>
    </div>
  );
}
