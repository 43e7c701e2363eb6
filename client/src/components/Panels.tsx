import type { ReactNode } from 'react';
import { isApiError } from '../api/http';
import { Link } from 'react-router';
import { errorFix, errorSentence } from '../lib/error-sentence';
import { AlertIcon, ClockIcon } from './icons';

/** A failed load: what went wrong, in words, and a way to try again. */
export function ErrorPanel({
  error,
  title = 'Something went wrong',
  onRetry,
  retrying = false,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  retrying?: boolean;
}) {
  return (
    <div className="panel panel--error" role="alert">
      <span className="panel__icon">
        <AlertIcon />
      </span>
      <p className="panel__title">{title}</p>
      <p className="panel__text">{describeError(error)}</p>
      <ErrorFixLink error={error} />
      {onRetry !== undefined && (
        <div className="panel__actions">
          <button type="button" className="btn" onClick={onRetry} disabled={retrying}>
            {retrying ? 'Retrying…' : 'Retry'}
          </button>
        </div>
      )}
    </div>
  );
}

/** A feature whose server side this Weft does not have yet: said plainly, without pretend data. */
export function UnavailablePanel({
  title,
  children,
  onRetry,
  retrying = false,
}: {
  title: string;
  children: ReactNode;
  onRetry?: () => void;
  retrying?: boolean;
}) {
  return (
    <div className="panel panel--dashed" role="status">
      <span className="panel__icon">
        <ClockIcon />
      </span>
      <p className="panel__title">{title}</p>
      <div className="panel__text">{children}</div>
      {onRetry !== undefined && (
        <div className="panel__actions">
          <button type="button" className="btn" onClick={onRetry} disabled={retrying}>
            {retrying ? 'Checking…' : 'Check again'}
          </button>
        </div>
      )}
    </div>
  );
}

export function EmptyPanel({ icon, title, children, actions }: { icon: ReactNode; title: string; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="panel">
      <span className="panel__icon">{icon}</span>
      <p className="panel__title">{title}</p>
      {children !== undefined && <div className="panel__text">{children}</div>}
      {actions !== undefined && <div className="panel__actions">{actions}</div>}
    </div>
  );
}

/** A link to the page that fixes `error` (errorFix), or nothing. */
export function ErrorFixLink({ error }: { error: unknown }) {
  const fix = errorFix(error);
  if (fix === null) return null;
  return (
    <Link to={fix.href} className="error-fix">
      {fix.label} →
    </Link>
  );
}

/** Every error shown in the UI goes through errorSentence (lib/error-sentence.ts). */
export const describeError = errorSentence;

/** A 404 for a whole route family means the server predates that feature. */
export function isMissingEndpoint(error: unknown): boolean {
  return isApiError(error) && error.status === 404;
}
