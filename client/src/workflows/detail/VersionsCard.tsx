import '../workflows.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { WorkflowVersionSummary } from '@weft/shared';
import { Link } from 'react-router';
import { workflowKeys, workflowsApi } from '../../api/workflows';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { describeError, ErrorPanel } from '../../components/Panels';
import { RelativeTime } from '../../components/RelativeTime';
import { SkeletonLine } from '../../components/Skeleton';
import { runPath } from '../../lib/paths';

function sourceText(version: WorkflowVersionSummary): string {
  switch (version.source) {
    case 'create':
      return 'Created';
    case 'update':
      return 'Edited';
    case 'rollback':
      return version.rolledBackFrom === null ? 'Restored' : `Restored v${version.rolledBackFrom}`;
    default: {
      const unexpected: never = version.source;
      return String(unexpected);
    }
  }
}

/** Version history: view any version, restore an older one (as a new version; history is never rewritten). */
export function VersionsCard({
  workflowId,
  currentVersion,
  viewingVersion,
  onView,
  onCompare,
}: {
  workflowId: string;
  currentVersion: number;
  viewingVersion: number;
  onView: (version: number | null) => void;
  onCompare?: (pair: { from: number; to: number }) => void;
}) {
  const queryClient = useQueryClient();
  const versions = useQuery({ queryKey: workflowKeys.versions(workflowId), queryFn: ({ signal }) => workflowsApi.versions(workflowId, signal) });
  const [restoring, setRestoring] = useState<number | null>(null);

  const rollback = useMutation({
    mutationFn: (version: number) => workflowsApi.rollback({ id: workflowId, version }),
    onSuccess: async (workflow) => {
      queryClient.setQueryData(workflowKeys.detail(workflowId), workflow);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: workflowKeys.versions(workflowId) }),
        queryClient.invalidateQueries({ queryKey: workflowKeys.list() }),
      ]);
      setRestoring(null);
      onView(null);
    },
  });

  return (
    <section className="card" aria-labelledby="versions-title">
      <div className="card__header">
        <h2 id="versions-title">Versions</h2>
      </div>
      {versions.isPending ? (
        <div className="card__body" aria-busy="true">
          <SkeletonLine width="80%" />
          <br />
          <SkeletonLine width="60%" />
        </div>
      ) : versions.isError ? (
        <div className="card__body">
          <ErrorPanel error={versions.error} title="Could not load versions" onRetry={() => void versions.refetch()} retrying={versions.isFetching} />
        </div>
      ) : (
        <>
          {onCompare !== undefined && versions.data.length > 1 && <CompareForm versions={versions.data.map((v) => v.version)} onCompare={onCompare} />}
          <ul className="versions">
            {versions.data.map((version) => {
              const current = version.version === currentVersion;
              const viewing = version.version === viewingVersion;
              return (
                <li key={version.version} className={`versions__item${viewing ? ' is-viewing' : ''}`} aria-current={viewing ? 'true' : undefined}>
                  <div className="versions__text">
                    <span className="versions__title">
                      v{version.version}
                      {current && <span className="chip chip--accent">Current</span>}
                    </span>
                    <span className="versions__sub">
                      {sourceText(version)} · <RelativeTime iso={version.createdAt} />
                    </span>
                    {version.fix !== undefined && <FixedRun version={version.version} fix={version.fix} />}
                  </div>
                  <div className="versions__actions">
                    {!viewing && (
                      <button type="button" className="btn btn--ghost btn--small" onClick={() => onView(current ? null : version.version)}>
                        View
                      </button>
                    )}
                    {!current && (
                      <button type="button" className="btn btn--small" onClick={() => setRestoring(version.version)}>
                        Restore
                      </button>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <ConfirmDialog
        open={restoring !== null}
        title={`Restore version ${restoring ?? ''}?`}
        confirmLabel="Restore"
        busy={rollback.isPending}
        error={rollback.isError ? describeError(rollback.error) : undefined}
        onCancel={() => {
          setRestoring(null);
          rollback.reset();
        }}
        onConfirm={() => restoring !== null && rollback.mutate(restoring)}
      >
        This saves version {restoring ?? ''}’s definition as a new version, v{currentVersion + 1}. Nothing is lost: every version stays in the history.
      </ConfirmDialog>
    </section>
  );
}

/** "version 4: fixes run ex_… — summary": the failed run a fix applied as this version was for. */
function FixedRun({ version, fix }: { version: number; fix: NonNullable<WorkflowVersionSummary['fix']> }) {
  return (
    <span className="versions__fix" data-testid="version-fix">
      <span className="visually-hidden">Version {version}: </span>
      Fixes run{' '}
      <Link to={runPath(fix.executionId)} className="mono">
        {fix.executionId}
      </Link>
      {fix.summary !== null && <> — {fix.summary}</>}
    </span>
  );
}

/** Pick any two versions; the older one is "from". Opens the compare page. */
function CompareForm({ versions, onCompare }: { versions: number[]; onCompare: (pair: { from: number; to: number }) => void }) {
  const id = useId();
  const newest = versions[0]!;
  const [from, setFrom] = useState(versions[1]!);
  const [to, setTo] = useState(newest);
  const same = from === to;
  return (
    <form
      className="compare-form"
      aria-label="Compare versions"
      onSubmit={(event) => {
        event.preventDefault();
        if (!same) onCompare({ from: Math.min(from, to), to: Math.max(from, to) });
      }}
    >
      <VersionSelect id={`${id}-from`} label="Compare from version" versions={versions} value={from} onChange={setFrom} />
      <span aria-hidden="true">→</span>
      <VersionSelect id={`${id}-to`} label="Compare to version" versions={versions} value={to} onChange={setTo} />
      <button type="submit" className="btn btn--small" disabled={same}>
        Compare
      </button>
    </form>
  );
}

function VersionSelect({
  id,
  label,
  versions,
  value,
  onChange,
}: {
  id: string;
  label: string;
  versions: readonly number[];
  value: number;
  onChange: (version: number) => void;
}) {
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <select id={id} className="input input--small" value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v} value={v}>
            v{v}
          </option>
        ))}
      </select>
    </>
  );
}
