import './executions.css';
import { useMutation } from '@tanstack/react-query';
import type { WorkflowDefinition } from '@weft/shared';
import { useEffect, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { executionsApi } from '../api/executions';
import { useCan } from '../auth/use-can';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { describeError } from '../components/Panels';
import { stepTitle } from '../diagram/node-data';
import { runPath } from '../lib/paths';

/**
 * Re-run from the start or from a top-level step (earlier steps' results are reused), on the
 * version this run used or on the latest one. Opens the new run when it starts. Without `write`
 * only the latest version may run (the server answers 403 `version_requires_write` otherwise:
 * an earlier version may lack a gate added since), so the latest is the choice offered.
 */
export function RerunDialog({
  open,
  executionId,
  version,
  definition,
  initialStepId,
  onClose,
}: {
  open: boolean;
  executionId: string;
  version: number;
  definition: WorkflowDefinition | null;
  /** The selected step, when it is a top-level one. */
  initialStepId: string | null;
  onClose: () => void;
}) {
  const navigate = useNavigate();
  const topLevel = definition?.steps ?? [];
  const [from, setFrom] = useState<string>('');
  const canWrite = useCan('write');
  const [onVersion, setOnVersion] = useState<'same' | 'latest'>('same');
  const fromId = useId();
  const versionName = useId();

  // biome-ignore lint/correctness/useExhaustiveDependencies: the choice resets each time the dialog opens, not when the selection or the definition (a fresh `[]` while loading) changes under it.
  useEffect(() => {
    if (!open) return;
    setFrom(initialStepId !== null && topLevel.some((s) => s.id === initialStepId) ? initialStepId : '');
    setOnVersion(canWrite.allowed ? 'same' : 'latest');
  }, [open]);

  const rerun = useMutation({
    mutationFn: () =>
      executionsApi.rerun({ id: executionId, ...(from !== '' ? { fromStepId: from } : {}), ...(onVersion === 'latest' ? { version: 'latest' as const } : {}) }),
    onSuccess: (newId) => {
      onClose();
      void navigate(runPath(newId));
    },
  });

  return (
    <ConfirmDialog
      open={open}
      title="Run this workflow again"
      confirmLabel="Start the new run"
      busy={rerun.isPending}
      error={rerun.isError ? describeError(rerun.error) : undefined}
      onCancel={() => {
        rerun.reset();
        onClose();
      }}
      onConfirm={() => rerun.mutate()}
    >
      <div className="rerun-form">
        <div className="field">
          <label className="field__label" htmlFor={fromId}>
            Start from
          </label>
          <select id={fromId} className="input" value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value="">The beginning (run every step again)</option>
            {topLevel.map((step, index) =>
              index === 0 ? null : (
                <option key={step.id} value={step.id}>
                  {stepTitle(step)} — reuse the {index} step{index === 1 ? '' : 's'} before it
                </option>
              ),
            )}
          </select>
          <span className="field__hint">Steps before the chosen one keep their results from this run.</span>
        </div>
        <fieldset className="field rerun-form__versions">
          <legend className="field__label">Workflow version</legend>
          <label title={canWrite.allowed ? undefined : canWrite.reason}>
            <input type="radio" name={versionName} checked={onVersion === 'same'} disabled={!canWrite.allowed} onChange={() => setOnVersion('same')} /> The same
            version (v{version})
          </label>
          <label>
            <input type="radio" name={versionName} checked={onVersion === 'latest'} onChange={() => setOnVersion('latest')} /> The latest version
          </label>
          {canWrite.allowed ? null : (
            <span className="field__hint">An earlier version may lack a check added since: running one needs the “write” permission.</span>
          )}
        </fieldset>
      </div>
    </ConfirmDialog>
  );
}
