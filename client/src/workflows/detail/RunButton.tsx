import '../workflows.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { WorkflowDefinition } from '@weft/shared';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { executionKeys } from '../../api/executions';
import { issuesOf } from '../../api/http';
import { workflowsApi } from '../../api/workflows';
import { useGate } from '../../auth/Gate';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { describeError } from '../../components/Panels';
import { InputsFields } from '../../inputs/InputsFields';
import { initialInputDraft, inputEntries, inputErrorsFrom, readInputDraft, type InputDraft, type InputErrors } from '../../inputs/inputs-form';
import { runPath } from '../../lib/paths';

/**
 * Run now. A workflow without inputs starts at once; one with inputs asks for them first (a form
 * from `definition.inputs`: defaults filled in, required ones marked, the server's 422 at its
 * field). Opens the new execution.
 */
export function RunButton({ workflowId, definition }: { workflowId: string; definition: WorkflowDefinition | null }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const inputs = definition?.inputs;
  const hasInputs = inputEntries(inputs).length > 0;
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<InputDraft>({});
  const [localErrors, setLocalErrors] = useState<InputErrors>({});
  const gate = useGate('run');

  const run = useMutation({
    mutationFn: (values: Record<string, unknown>) => workflowsApi.run({ id: workflowId, inputs: values }),
    onSuccess: (executionId) => {
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: executionKeys.all });
      void navigate(runPath(executionId));
    },
  });

  const start = () => {
    if (!hasInputs) {
      run.mutate({});
      return;
    }
    setDraft(initialInputDraft(inputs));
    setLocalErrors({});
    run.reset();
    setOpen(true);
  };
  const submit = () => {
    const { values, errors } = readInputDraft(inputs, draft);
    setLocalErrors(errors);
    if (Object.keys(errors).length === 0) run.mutate(values);
  };

  const serverErrors = inputErrorsFrom(issuesOf(run.error), 'inputs.');
  const fieldErrors = { ...serverErrors, ...localErrors };
  const unplaced = run.isError && Object.keys(serverErrors).length === 0 ? describeError(run.error) : undefined;

  return (
    <>
      <button
        type="button"
        className="btn btn--primary"
        onClick={start}
        disabled={definition === null || (run.isPending && !open)}
        data-testid="run-workflow"
        {...gate.props}
      >
        <PlayIcon />
        {run.isPending && !open ? 'Starting…' : hasInputs ? 'Run…' : 'Run'}
      </button>
      {gate.hint}
      {!open && run.isError && (
        <span className="field__error" role="alert">
          {describeError(run.error)}
        </span>
      )}
      <ConfirmDialog
        open={open}
        title="Run with these inputs"
        confirmLabel="Start run"
        busy={run.isPending}
        error={unplaced}
        onCancel={() => {
          setOpen(false);
          run.reset();
        }}
        onConfirm={submit}
      >
        <form
          className="run-form"
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <InputsFields
            inputs={inputs}
            draft={draft}
            errors={fieldErrors}
            onChange={(next) => {
              setDraft(next);
              setLocalErrors({});
            }}
          />
          <button type="submit" hidden />
        </form>
      </ConfirmDialog>
    </>
  );
}

function PlayIcon() {
  return (
    <svg className="wf-icon" viewBox="0 0 16 16" width={14} height={14} fill="currentColor" aria-hidden="true" focusable="false">
      <path d="M5 3.5v9l7-4.5z" />
    </svg>
  );
}
