import './audit.css';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { AuditEntry } from '@weft/shared';
import { type FormEvent, useState } from 'react';
import { type AuditFilters, auditCsvHref, auditKeys, fetchAuditPage } from '../api/audit';
import { useCan } from '../auth/use-can';
import { PageHeader } from '../components/PageHeader';
import { EmptyPanel, ErrorPanel } from '../components/Panels';
import { RelativeTime } from '../components/RelativeTime';
import { SkeletonRows } from '../components/Skeleton';
import { PeopleIcon } from '../people/icons';

const BLANK: AuditFilters = { actor: '', action: '', target: '' };

function Entry({ entry }: { entry: AuditEntry }) {
  const target = entry.target.id === null ? entry.target.kind : `${entry.target.kind} ${entry.target.id}`;
  const hasDetails = Object.keys(entry.details).length > 0;
  return (
    <li className="list__row audit-entry">
      <span className="list__primary">
        <span className="list__title">
          <code>{entry.action}</code> <span className="muted">on</span> <span className="mono">{target}</span>
        </span>
        <span className="list__desc muted">
          by {entry.actor.name}
          {entry.actor.kind !== 'user' ? ` (${entry.actor.kind})` : ''} · <RelativeTime iso={entry.at} />
        </span>
        {hasDetails && (
          <details className="audit-entry__details">
            <summary>Details</summary>
            <pre className="mono">{JSON.stringify(entry.details, null, 2)}</pre>
          </details>
        )}
      </span>
    </li>
  );
}

/** `/settings/audit`, for admins: who changed what, newest first, filtered, exportable as CSV. */
export function AuditPage() {
  const can = useCan('admin');
  const [draft, setDraft] = useState<AuditFilters>(BLANK);
  const [filters, setFilters] = useState<AuditFilters>(BLANK);
  const entries = useInfiniteQuery({
    queryKey: auditKeys.list(filters),
    queryFn: ({ pageParam, signal }) => fetchAuditPage(filters, pageParam, signal),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    enabled: can.allowed,
  });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const field = (key: keyof AuditFilters, label: string, placeholder: string) => (
    <label className="field">
      <span className="field__label">{label}</span>
      <input className="input" value={draft[key]} placeholder={placeholder} onChange={(event) => setDraft({ ...draft, [key]: event.target.value })} />
    </label>
  );
  const all = entries.data?.pages.flatMap((page) => page.entries) ?? [];

  return (
    <div className="page">
      <title>Audit log · Weft</title>
      <PageHeader
        title="Audit log"
        subtitle="Every change of state: who did it, when, and what changed. Entries cannot be changed or deleted."
        actions={
          can.allowed ? (
            <a className="btn" href={auditCsvHref(filters)} download>
              Export CSV
            </a>
          ) : undefined
        }
      />
      {!can.allowed ? (
        <div className="alert alert--warn" role="alert">
          <div className="alert__body">{can.reason}</div>
        </div>
      ) : (
        <>
          <form className="card audit-filters" onSubmit={apply} aria-label="Filter the audit log">
            {field('actor', 'Actor id', 'usr_… or a trigger key')}
            {field('action', 'Action', 'workflow.updated or workflow.*')}
            {field('target', 'Target', 'workflow or workflow:wf_…')}
            <button type="submit" className="btn btn--primary">
              Filter
            </button>
          </form>
          {entries.isPending ? (
            <div className="card">
              <SkeletonRows label="Loading the audit log" rows={5} />
            </div>
          ) : entries.isError ? (
            <ErrorPanel error={entries.error} title="Could not load the audit log" onRetry={() => void entries.refetch()} retrying={entries.isFetching} />
          ) : all.length === 0 ? (
            <EmptyPanel icon={<PeopleIcon />} title="No entries">
              Nothing matches these filters.
            </EmptyPanel>
          ) : (
            <div className="card">
              <ul className="list" aria-label="Audit entries">
                {all.map((entry) => (
                  <Entry key={entry.id} entry={entry} />
                ))}
              </ul>
              {entries.hasNextPage && (
                <div className="audit-more">
                  <button type="button" className="btn" onClick={() => void entries.fetchNextPage()} disabled={entries.isFetchingNextPage}>
                    {entries.isFetchingNextPage ? 'Loading…' : 'Load older'}
                  </button>
                </div>
              )}
            </div>
          )}
        </>
      )}
    </div>
  );
}
