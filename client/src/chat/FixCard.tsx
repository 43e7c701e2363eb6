import '../fixes/fixes.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ExecutionFix, fixRerunFromStep, type WorkflowProposal } from '@weft/shared';
import { useCallback, useMemo } from 'react';
import { Link } from 'react-router';
import { fixesApi } from '../api/fixes';
import { isApiError } from '../api/http';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { useCan } from '../auth/use-can';
import { describeError, ErrorPanel } from '../components/Panels';
import { SkeletonLine } from '../components/Skeleton';
import { FixContextView } from '../fixes/FixContextView';
import { fixStatusText } from '../fixes/fix-text';
import { runPath } from '../lib/paths';
import { RerunLine } from '../fixes/RerunLine';
import { storeFix, useLiveFix } from '../fixes/use-live-fix';
import { parseDefinition } from '../lib/definition';
import { ProposalCompare } from '../workflows/compare/ProposalCompare';

/** Why applying was refused, in words a person can act on. */
function applyErrorText(error: unknown): string {
  if (!isApiError(error) || error.code !== 'version_conflict') return describeError(error);
  const again = error.message.includes('/fix') ? '' : ' Type /fix again for a proposal on the current version.';
  return `The workflow changed after this change was proposed, so it was not applied: ${error.message.replace(/\.$/, '')}.${again}`;
}

/**
 * A fix of a failed run in the chat (`{ type: 'fix' }` part): what the run's journal says, the
 * assistant's diagnosis, its proposal as a diagram diff, then the person's choices: Apply (a new
 * version) and Re-run with the same inputs. Live through `fix.updated`; the buttons show only for
 * people who may use them.
 */
export function FixCard({ fixId }: { fixId: string }) {
  const query = useLiveFix(fixId);
  if (query.isError) return <ErrorPanel error={query.error} title="Could not load this fix" onRetry={() => void query.refetch()} retrying={query.isFetching} />;
  if (query.data === undefined)
    return (
      <div className="chat-card fix-card" aria-busy="true">
        <SkeletonLine width="50%" height={16} />
      </div>
    );
  return <FixCardBody fix={query.data.fix} />;
}

function FixCardBody({ fix }: { fix: ExecutionFix }) {
  const queryClient = useQueryClient();
  const mayWrite = useCan('write');
  const mayRun = useCan('run');
  const context = fix.context;
  const pickProposal = useCallback(
    (proposals: WorkflowProposal[]) => {
      const found = proposals.find((p) => p.id === fix.proposalId);
      if (found === undefined) throw new Error(`Proposal ${fix.proposalId} of this fix is no longer stored.`);
      return found;
    },
    [fix.proposalId],
  );
  // The workflow's proposal list, the cache entry its Proposals card reads too; this card picks its own.
  const proposal = useQuery({
    queryKey: workflowKeys.proposals(fix.workflowId),
    queryFn: ({ signal }) => workflowsApi.proposals(fix.workflowId, signal),
    select: pickProposal,
    enabled: fix.proposalId !== null,
    staleTime: Number.POSITIVE_INFINITY, // a proposal's definition never changes
  });
  // The version the failed run ran: with the proposal, it names the step a re-run starts from.
  const runVersion = useQuery({
    queryKey: workflowKeys.version(fix.workflowId, fix.workflowVersion),
    queryFn: ({ signal }) => workflowsApi.version(fix.workflowId, fix.workflowVersion, signal),
    enabled: fix.appliedVersion !== null && fix.status !== 'rerun',
    staleTime: Number.POSITIVE_INFINITY,
  });
  const rerunFrom = useMemo(() => {
    // Re-run since its last change: the step the server chose. Applied after a re-run: the next one starts anew.
    if (fix.status === 'rerun') return fix.rerunFromStepId;
    const failed = context.failedStep?.stepId;
    if (fix.appliedVersion === null || failed === undefined) return context.rerunFromStepId;
    const before = runVersion.data ? parseDefinition(runVersion.data.definition) : null;
    const after = proposal.data ? parseDefinition(proposal.data.definition) : null;
    return before?.ok && after?.ok ? fixRerunFromStep(before.definition, after.definition, failed) : context.rerunFromStepId;
  }, [fix, context, runVersion.data, proposal.data]);

  const apply = useMutation({
    mutationFn: () => fixesApi.apply(fix.id),
    onSuccess: (applied) => {
      storeFix(queryClient, applied);
      void queryClient.invalidateQueries({ queryKey: workflowKeys.all });
    },
  });
  const rerun = useMutation({
    mutationFn: () => fixesApi.rerun(fix.id),
    onSuccess: ({ fix: next }) => storeFix(queryClient, next),
  });

  const applied = fix.appliedVersion !== null;
  // Someone rejected the proposal in the workflow's proposals: it can no longer be applied.
  const rejected = fix.proposalStatus === 'rejected';
  const canApply = fix.proposalId !== null && !applied && !rejected;
  const workflowPath = `/automation/workflows/${encodeURIComponent(fix.workflowId)}`;
  const onVersion = applied ? `v${fix.appliedVersion}` : `v${fix.workflowVersion}`;

  return (
    <section className="chat-card fix-card" data-testid="fix-card" data-fix-id={fix.id} data-status={fix.status} aria-label={`Fix of run ${fix.executionId}`}>
      <div className="fix-card__head">
        <span className={`chip ${fix.status === 'diagnosing' ? 'chip--accent' : applied ? 'chip--ok' : 'chip--warn'}`} data-testid="fix-status">
          {fixStatusText(fix)}
        </span>
        <span className="fix-card__title">
          Fix of run{' '}
          <Link to={runPath(fix.executionId)} className="mono">
            {fix.executionId}
          </Link>
          {context.workflowName !== null && (
            <>
              {' '}
              of <Link to={workflowPath}>{context.workflowName}</Link>
            </>
          )}{' '}
          <span className="muted">v{fix.workflowVersion}</span>
        </span>
      </div>

      <FixContextView context={context} />

      <div className="fix-card__diagnosis" aria-live="polite">
        {fix.status === 'diagnosing' ? (
          <p className="muted" role="status">
            <span className="fix-card__spinner" aria-hidden="true" /> The assistant is reading the run…
          </p>
        ) : fix.diagnosis !== null ? (
          <>
            <h3 className="fix-card__heading">Diagnosis</h3>
            <p className="fix-card__diagnosis-text" data-testid="fix-diagnosis">
              {fix.diagnosis}
            </p>
          </>
        ) : fix.provider === 'offline' ? (
          <p className="muted">No language model is configured, so there is no diagnosis: above is what the run’s journal says.</p>
        ) : null}
        {fix.error !== null && (
          <p className="alert alert--warn fix-card__error" role="alert">
            {fix.status === 'diagnosed' && fix.diagnosis === null ? 'The assistant could not diagnose this run: ' : 'No change proposed: '}
            {fix.error}
          </p>
        )}
      </div>

      {fix.proposalId !== null && (
        <div className="fix-card__proposal" data-testid="fix-proposal">
          <h3 className="fix-card__heading">Proposed change{fix.summary !== null && <span className="fix-card__summary">: {fix.summary}</span>}</h3>
          {rejected && (
            <p className="alert alert--warn" role="status" data-testid="fix-proposal-rejected">
              This change was rejected in the workflow’s proposals, so it cannot be applied. Type /fix again for another proposal.
            </p>
          )}
          {proposal.isError ? (
            <p className="field__error" role="alert">
              {describeError(proposal.error)}
            </p>
          ) : proposal.data === undefined ? (
            <SkeletonLine width="40%" height={16} />
          ) : (
            <ProposalCompare workflowId={fix.workflowId} proposal={proposal.data} compact />
          )}
        </div>
      )}

      <div className="fix-card__actions">
        {applied ? (
          <span className="fix-card__applied" role="status" data-testid="fix-applied">
            Applied as{' '}
            <Link to={`${workflowPath}?version=${fix.appliedVersion}`} className="mono">
              version {fix.appliedVersion}
            </Link>
          </span>
        ) : (
          canApply &&
          mayWrite.allowed && (
            <button type="button" className="btn btn--primary" disabled={apply.isPending} onClick={() => apply.mutate()}>
              {apply.isPending ? 'Applying…' : 'Apply'}
            </button>
          )
        )}
        {mayRun.allowed && fix.status !== 'diagnosing' && (
          <button
            type="button"
            className={`btn${canApply || fix.rerun !== null ? '' : ' btn--primary'}`}
            disabled={rerun.isPending}
            onClick={() => rerun.mutate()}
            title={`Runs ${onVersion} with the inputs of ${fix.executionId}, reusing the results of the steps before.`}
          >
            {rerun.isPending ? 'Starting…' : <RerunLabel stepId={rerunFrom} again={fix.rerun !== null} />}
          </button>
        )}
        {fix.rerun !== null && <RerunLine rerun={fix.rerun} />}
      </div>
      {(canApply && !mayWrite.allowed) || !mayRun.allowed ? (
        <p className="muted fix-card__cannot">
          {canApply && !mayWrite.allowed ? `Applying the change: ${mayWrite.reason} ` : ''}
          {!mayRun.allowed ? `Re-running: ${mayRun.reason}` : ''}
        </p>
      ) : null}
      {canApply && !applied && fix.rerun === null && mayRun.allowed && (
        <p className="muted fix-card__hint">Re-running before applying runs v{fix.workflowVersion} again, unchanged.</p>
      )}
      {(apply.isError || rerun.isError) && (
        <p className="field__error" role="alert">
          {apply.isError ? applyErrorText(apply.error) : describeError(rerun.error)}
        </p>
      )}
    </section>
  );
}

function RerunLabel({ stepId, again }: { stepId: string | null; again: boolean }) {
  return (
    <>
      {again ? 'Re-run again' : 'Re-run'}
      {stepId !== null && (
        <>
          {' '}
          from <code>{stepId}</code>
        </>
      )}{' '}
      with the same inputs
    </>
  );
}
