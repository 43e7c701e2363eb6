import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import type { WorkflowDefinition } from '@weft/shared';
import { issuesOf } from '../api/http';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { PageHeader } from '../components/PageHeader';
import { ServerErrorAlert } from './workflow/ServerErrorAlert';
import { DefinitionEditor } from './workflow/DefinitionEditor';

const STARTER: WorkflowDefinition = {
  name: 'Release notes digest',
  description: 'Fetches the latest release notes and posts a short summary.',
  inputs: { repo: { type: 'string', default: 'octo/weft', description: 'owner/name on GitHub' } },
  steps: [
    { id: 'fetch_notes', type: 'http', method: 'GET', url: 'https://api.github.com/repos/{{ inputs.repo }}/releases/latest' },
    { id: 'summarise', type: 'agent_prompt', prompt: 'Summarise these release notes in three bullet points:\n{{ steps.fetch_notes.output.body.body }}' },
    { id: 'announce', type: 'notify', message: '{{ steps.summarise.output.text }}' },
  ],
};

export function NewWorkflowPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (definition: WorkflowDefinition) => workflowsApi.create(definition),
    onSuccess: async (workflow) => {
      queryClient.setQueryData(workflowKeys.detail(workflow.id), workflow);
      await queryClient.invalidateQueries({ queryKey: workflowKeys.list() });
      void navigate(`/automation/workflows/${encodeURIComponent(workflow.id)}`);
    },
  });

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
        subtitle="Write the definition as JSON; it is checked as you type with the same rules the server applies."
      />
      <DefinitionEditor
        initialText={JSON.stringify(STARTER, null, 2)}
        submitLabel="Create workflow"
        submitting={create.isPending}
        serverError={create.isError ? <ServerErrorAlert error={create.error} issues={issuesOf(create.error)} /> : undefined}
        onSubmit={(definition) => create.mutate(definition)}
        secondaryAction={
          <Link to="/automation/workflows" className="btn btn--ghost">
            Cancel
          </Link>
        }
      />
    </div>
  );
}
