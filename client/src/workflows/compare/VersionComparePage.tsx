import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { workflowKeys, workflowsApi } from '../../api/workflows';
import { PageHeader } from '../../components/PageHeader';
import { ErrorPanel } from '../../components/Panels';
import { SkeletonLine } from '../../components/Skeleton';
import { UndrawableDefinition } from '../../diagram/UndrawableDefinition';
import { definitionName, parseDefinition } from '../../lib/definition';
import { VersionDiffCard } from '../detail/VersionDiffCard';
import { comparePair, comparePath } from './compare-path';
import { VersionCompareView } from './VersionCompareView';

/** `/automation/workflows/:id/compare?from=&to=`: two stored versions on the diagram. */
export function VersionComparePage() {
  const { id = '' } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const pair = comparePair(search);
  const [selected, setSelected] = useState<string | null>(null);
  const enabled = pair !== null;
  const from = pair?.from ?? 0;
  const to = pair?.to ?? 0;
  const stored = { staleTime: Number.POSITIVE_INFINITY, enabled }; // a stored version never changes
  const fromQuery = useQuery({ queryKey: workflowKeys.version(id, from), queryFn: ({ signal }) => workflowsApi.version(id, from, signal), ...stored });
  const toQuery = useQuery({ queryKey: workflowKeys.version(id, to), queryFn: ({ signal }) => workflowsApi.version(id, to, signal), ...stored });
  const diff = useQuery({ queryKey: workflowKeys.diff(id, from, to), queryFn: ({ signal }) => workflowsApi.diff({ id, from, to }, signal), ...stored });
  const before = useMemo(() => (fromQuery.data ? parseDefinition(fromQuery.data.definition) : null), [fromQuery.data]);
  const after = useMemo(() => (toQuery.data ? parseDefinition(toQuery.data.definition) : null), [toQuery.data]);
  const workflowPath = `/automation/workflows/${encodeURIComponent(id)}`;
  const name = toQuery.data ? definitionName(toQuery.data.definition, id) : id;
  const failed = fromQuery.error ?? toQuery.error ?? diff.error;

  return (
    <div className="page page--wide">
      <title>{`Compare versions · ${name} · Weft`}</title>
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/automation/workflows">Workflows</Link>
            <span aria-hidden="true">/</span>
            <Link to={workflowPath}>{name}</Link>
            <span aria-hidden="true">/</span>
          </>
        }
        title={pair === null ? 'Compare versions' : `Compare v${pair.from} with v${pair.to}`}
        actions={
          pair !== null && (
            <button type="button" className="btn" onClick={() => void navigate(comparePath(id, { from: pair.to, to: pair.from }), { replace: true })}>
              Swap sides
            </button>
          )
        }
      />
      {pair === null ? (
        <div className="alert alert--info" role="status">
          <div className="alert__body">
            Choose two versions to compare from the <Link to={workflowPath}>workflow’s Versions card</Link>.
          </div>
        </div>
      ) : failed ? (
        <ErrorPanel
          error={failed}
          title="Could not load the versions to compare"
          onRetry={() => void Promise.all([fromQuery.refetch(), toQuery.refetch(), diff.refetch()])}
          retrying={fromQuery.isFetching || toQuery.isFetching || diff.isFetching}
        />
      ) : before === null || after === null || diff.data === undefined ? (
        <div className="card" aria-busy="true">
          <div className="card__body">
            <SkeletonLine width="40%" height={16} />
          </div>
        </div>
      ) : !before.ok || !after.ok ? (
        <UndrawableDefinition problem={!before.ok ? `v${pair.from}: ${before.message}` : after.ok ? '' : `v${pair.to}: ${after.message}`} />
      ) : (
        <>
          <VersionCompareView
            before={before.definition}
            after={after.definition}
            beforeLabel={`v${pair.from}`}
            afterLabel={`v${pair.to}`}
            summary={diff.data}
            selectedStepId={selected}
            onSelectStep={setSelected}
          />
          <VersionDiffCard
            from={pair.from}
            to={pair.to}
            before={before.definition}
            after={after.definition}
            onClose={() => void navigate(workflowPath)}
            onSelectStep={setSelected}
          />
        </>
      )}
    </div>
  );
}
