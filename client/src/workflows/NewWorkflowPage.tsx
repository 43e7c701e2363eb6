import { useMutation, useQueryClient } from '@tanstack/react-query';
import { DraftTrigger, type WorkflowDefinition } from '@weft/shared';
import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { issuesOf } from '../api/http';
import { triggerKeys } from '../api/triggers';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { PageHeader } from '../components/PageHeader';
import { definitionName, parseDefinition } from '../lib/definition';
import { newTriggerKey, triggerRequest } from '../triggers/trigger-form';
import { WorkflowComposer, type ComposerSave } from './create/WorkflowComposer';
import { ServerErrorAlert } from './detail/ServerErrorAlert';

/** A draft handed over by chat's "Open in editor": `{ definition, trigger? }` in the location state. */
function handedOverDraft(state: unknown): { definition: WorkflowDefinition; trigger?: DraftTrigger } | null {
  const draft = (state as { draft?: { definition?: unknown; trigger?: unknown } } | null)?.draft;
  if (draft === undefined) return null;
  const parsed = parseDefinition(draft.definition);
  if (!parsed.ok) return null;
  const trigger = DraftTrigger.safeParse(draft.trigger);
  return { definition: parsed.definition, ...(trigger.success ? { trigger: trigger.data } : {}) };
}

export function NewWorkflowPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const [handedOver] = useState(() => handedOverDraft(location.state));

  const create = useMutation({
    mutationFn: ({ definition, trigger, triggerInputs }: ComposerSave) => {
      // Nothing is saved yet, so the key is named after what is saved now.
      const key = newTriggerKey(definitionName(definition as Record<string, unknown>, 'workflow'));
      return workflowsApi.create(definition, triggerRequest({ ...trigger, key }, triggerInputs));
    },
    onSuccess: async (workflow) => {
      queryClient.setQueryData(workflowKeys.detail(workflow.id), workflow);
      await Promise.all([queryClient.invalidateQueries({ queryKey: workflowKeys.list() }), queryClient.invalidateQueries({ queryKey: triggerKeys.all })]);
      void navigate(`/automation/workflows/${encodeURIComponent(workflow.id)}`);
    },
  });
  const otherIssues = issuesOf(create.error).filter((issue) => !issue.path.startsWith('trigger'));

  return (
    <div className="page page--wide">
      <title>New workflow · Weft</title>
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/automation/workflows">Workflows</Link>
            <span aria-hidden="true">/</span>
          </>
        }
        title="New workflow"
        subtitle="Describe it in a sentence, refine it in conversation or in JSON, choose how it starts, and save."
      />
      <WorkflowComposer
        {...(handedOver !== null ? { initialDefinition: handedOver.definition } : {})}
        {...(handedOver?.trigger !== undefined ? { suggestion: handedOver.trigger } : {})}
        saveLabel="Save workflow"
        saving={create.isPending}
        saveError={create.isError ? create.error : null}
        saveAlert={create.isError ? <ServerErrorAlert error={create.error} issues={otherIssues} /> : undefined}
        onSave={(save) => create.mutate(save)}
        cancelTo="/automation/workflows"
      />
    </div>
  );
}
