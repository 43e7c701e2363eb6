import '../workflows.css';
import type { WorkflowDefinition } from '@weft/shared';
import { useMemo } from 'react';
import { describeDefinitionChanges, type ChangeLine } from './diff-text';

const MARK: { readonly [K in ChangeLine['kind']]: string } = { added: '+', removed: '−', changed: '~', moved: '↕', field: '•' };

/** What changed between two versions, as a list; changed steps are highlighted in the diagram beside it. */
export function VersionDiffCard({
  from,
  to,
  before,
  after,
  onClose,
  onSelectStep,
}: {
  from: number;
  to: number;
  before: WorkflowDefinition;
  after: WorkflowDefinition;
  onClose: () => void;
  onSelectStep: (stepId: string) => void;
}) {
  const lines = useMemo(() => describeDefinitionChanges(before, after), [before, after]);
  return (
    <section className="card diff-card" aria-labelledby="diff-title" data-testid="version-diff">
      <div className="card__header">
        <h2 id="diff-title">
          Changes from v{from} to v{to}
        </h2>
        <button type="button" className="btn btn--ghost btn--small" onClick={onClose}>
          Done
        </button>
      </div>
      {lines.length === 0 ? (
        <p className="card__body muted">These versions are the same.</p>
      ) : (
        <ul className="diff-list">
          {lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the diff is computed whole for two fixed versions; its lines have no identity beyond their order.
            <li key={i} className={`diff-list__item diff-list__item--${line.kind}`}>
              <span className="diff-list__mark" aria-hidden="true">
                {MARK[line.kind]}
              </span>
              <span className="diff-list__text">
                {line.stepId !== undefined && line.kind !== 'removed' ? (
                  <button type="button" className="link-button" onClick={() => onSelectStep(line.stepId!)}>
                    {line.title}
                  </button>
                ) : (
                  <span>{line.title}</span>
                )}
                {line.detail ? <span className="diff-list__detail">{line.detail}</span> : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
