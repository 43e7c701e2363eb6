import type { ReactNode } from 'react';

/** The side card for the step selected in a diagram (workflow and execution pages), with its Close button. */
export function SelectedStepCard({ onClose, bodyClassName, children }: { onClose: () => void; bodyClassName?: string; children: ReactNode }) {
  return (
    <section className="card" aria-label="Selected step">
      <div className="card__header">
        <h2>Step</h2>
        <button type="button" className="btn btn--ghost btn--small" onClick={onClose}>
          Close
        </button>
      </div>
      <div className={bodyClassName === undefined ? 'card__body' : `card__body ${bodyClassName}`}>{children}</div>
    </section>
  );
}
