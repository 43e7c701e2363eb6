import { useMutation, useQueryClient } from '@tanstack/react-query';
import { DraftTrigger, type WorkflowDefinition } from '@weft/shared';
import { useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { issuesOf } from '../api/http';
import { triggerKeys } from '../api/triggers';
import { workflowKeys, workflowsApi } from '../api/workflows';
import { PageHeader } from '../components/PageHeader';
import { definitionName, parseDefinition } from '../lib/definition';
import { newTriggerKey, triggerRequest } from '../triggers/trigger-form';
import { WorkflowComposer, type ComposerSave } from './create/WorkflowComposer';
import { ServerErrorAlert } from './detail/ServerErrorAlert';
import { StartingPoints, type StartingPoint } from './create/StartingPoints';

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
  // A template, the empty workflow or pasted JSON replaces the composer's content (a new key remounts it).
  const [start, setStart] = useState<(StartingPoint & { n: number }) | null>(null);
  const [galleryOpen, setGalleryOpen] = useState(handedOver === null);
  const gallery = useRef<HTMLDetailsElement>(null);
  const showTemplates = () => {
    setGalleryOpen(true);
    requestAnimationFrame(() => gallery.current?.scrollIntoView({ block: 'start' }));
  };
  const opening = start ?? handedOver;

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
        subtitle="Start from a template, an empty workflow or JSON, or describe it in a sentence; refine it, choose how it starts, and save."
      />
      <details
        ref={gallery}
        className="card starting-points-disclosure"
        open={galleryOpen}
        onToggle={(e) => setGalleryOpen((e.target as HTMLDetailsElement).open)}
      >
        <summary className="card__header">Start from a template, an empty workflow or JSON</summary>
        <div className="card__body">
          <StartingPoints
            onStart={(next) => {
              setStart((current) => ({ ...next, n: (current?.n ?? 0) + 1 }));
              setGalleryOpen(false);
            }}
          />
        </div>
      </details>
      <WorkflowComposer
        key={start?.n ?? 0}
        {...(opening !== null ? { initialDefinition: opening.definition } : {})}
        {...(opening?.trigger !== undefined ? { suggestion: opening.trigger } : {})}
        {...(start !== null ? { initialLabel: start.label } : {})}
        onShowTemplates={showTemplates}
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
