import './create/composer.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Trigger, WorkflowResponse } from '@weft/shared';
import { deepEqual } from '@weft/shared';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { isApiError, issuesOf } from '../api/http';
import { triggerKeys, triggersApi } from '../api/triggers';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { PageHeader } from '../components/PageHeader';
import { ErrorPanel } from '../components/Panels';
import { SkeletonLine } from '../components/Skeleton';
import { definitionName, parseDefinition } from '../lib/definition';
import { formFromTrigger, triggerRequest } from '../triggers/trigger-form';
import { WorkflowComposer, type ComposerSave } from './create/WorkflowComposer';
import { ServerErrorAlert } from './detail/ServerErrorAlert';

export function EditWorkflowPage() {
  const { id = '' } = useParams();
  const workflow = useQuery({ queryKey: workflowKeys.detail(id), queryFn: ({ signal }) => workflowsApi.get(id, signal) });
  const triggers = useQuery({ queryKey: triggerKeys.list(), queryFn: ({ signal }) => triggersApi.list(signal) });

  if (workflow.data !== undefined && triggers.data !== undefined) {
    const own = triggers.data.filter((t) => t.workflowId === workflow.data.id);
    return <EditWorkflowForm key={workflow.data.id} initial={workflow.data} trigger={own[0] ?? null} otherTriggers={own.length - 1} />;
  }
  if (workflow.isError || triggers.isError) {
    const failed = workflow.isError ? workflow : triggers;
    return (
      <div className="page">
        <ErrorPanel
          error={failed.error}
          title={workflow.isError ? 'Could not load this workflow' : 'Could not load its trigger'}
          onRetry={() => void failed.refetch()}
          retrying={failed.isFetching}
        />
      </div>
    );
  }
  return (
    <div className="page page--wide" aria-busy="true">
      <SkeletonLine width={280} height={24} />
      <SkeletonLine width="40%" />
      <div className="composer-layout composer-layout--loading">
        <div className="card draft-chat" />
        <div className="card composer-diagram" />
        <div className="card trigger-card" style={{ height: 220 }} />
      </div>
    </div>
  );
}

function EditWorkflowForm({ initial, trigger, otherTriggers }: { initial: WorkflowResponse; trigger: Trigger | null; otherTriggers: number }) {
  const id = initial.id;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // Pinned when the editor opens: saving sends it as `baseVersion`, so a save made
  // elsewhere meanwhile is a 409 conflict, never a silent overwrite.
  const [base] = useState(initial);
  const parsed = parseDefinition(base.definition);
  const name = definitionName(base.definition, base.id);
  const [startForm] = useState(() => formFromTrigger(trigger, name));

  const save = useMutation({
    mutationFn: async ({ definition, trigger: form, triggerInputs, triggerChanged }: ComposerSave) => {
      const definitionChanged = !deepEqual(definition, base.definition);
      const request = triggerChanged ? triggerRequest(form, triggerInputs) : undefined;
      if (definitionChanged) {
        // The new version and its trigger in one transaction.
        await workflowsApi.update({ id, definition, baseVersion: base.version, ...(request ? { trigger: request } : {}) });
      } else if (request !== undefined) {
        const { key, ...body } = request;
        await triggersApi.put({ key, body: { workflowId: id, ...body } });
      }
      // Manual means no trigger: the old one goes once the workflow is saved.
      if (triggerChanged && form.type === 'manual' && trigger !== null) await triggersApi.remove(trigger.key);
    },
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: workflowKeys.detail(id) }),
        queryClient.invalidateQueries({ queryKey: workflowKeys.list() }),
        queryClient.invalidateQueries({ queryKey: workflowKeys.versions(id) }),
        queryClient.invalidateQueries({ queryKey: triggerKeys.all }),
      ]);
      void navigate(`/automation/workflows/${encodeURIComponent(id)}`);
    },
  });
  const conflict = save.isError && isApiError(save.error) && save.error.code === 'version_conflict';
  const otherIssues = issuesOf(save.error).filter((issue) => !issue.path.startsWith('trigger'));

  if (!parsed.ok) {
    return (
      <div className="page">
        <ErrorPanel error={new Error(`This version cannot be edited here: ${parsed.message}`)} title="Could not open the editor" />
      </div>
    );
  }

  return (
    <div className="page page--wide">
      <title>{`Edit ${name} · Weft`}</title>
      <PageHeader
        breadcrumbs={
          <>
            <Link to="/automation/workflows">Workflows</Link>
            <span aria-hidden="true">/</span>
            <Link to={`/automation/workflows/${encodeURIComponent(base.id)}`}>{name}</Link>
            <span aria-hidden="true">/</span>
          </>
        }
        title={`Edit ${name}`}
        subtitle={
          <>
            Editing version {base.version}. Changing the workflow saves version {base.version + 1}; changing only the trigger keeps the version.
            {otherTriggers > 0 && ` Its ${otherTriggers} other trigger${otherTriggers === 1 ? ' is' : 's are'} kept as they are.`}
          </>
        }
      />
      <WorkflowComposer
        initialDefinition={parsed.definition}
        initialTrigger={startForm}
        initialTriggerInputs={trigger?.inputs}
        requireChange
        saveLabel="Save changes"
        saving={save.isPending}
        saveError={save.isError ? save.error : null}
        saveAlert={
          conflict ? (
            <div className="alert alert--warn" role="alert">
              <div className="alert__body">
                Someone saved this workflow after you opened it. Copy your changes, then{' '}
                <Link to={`/automation/workflows/${encodeURIComponent(base.id)}`}>open the latest version</Link> and apply them again.
              </div>
            </div>
          ) : save.isError ? (
            <ServerErrorAlert error={save.error} issues={otherIssues} />
          ) : undefined
        }
        onSave={(value) => save.mutate(value)}
        cancelTo={`/automation/workflows/${encodeURIComponent(base.id)}`}
      />
    </div>
  );
}
