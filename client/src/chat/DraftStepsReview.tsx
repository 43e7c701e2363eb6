import { childBranchFields, flattenSteps, type WorkflowDefinition } from '@weft/shared';

/**
 * Every step of a draft in full, before it is saved: the diagram shows a step's first line only,
 * and a draft is model output that text from tool results, run logs or webhook payloads can shape.
 * What a step will do (the whole command, URL, body, prompt, tool policy) is one click away.
 */
export function DraftStepsReview({ definition }: { definition: WorkflowDefinition }) {
  const steps = flattenSteps(definition.steps);
  return (
    <details className="draft-card__review" data-testid="draft-review">
      <summary>{steps.length === 1 ? 'Review the step before saving' : `Review all ${steps.length} steps before saving`}</summary>
      <ol className="draft-card__review-list">
        {steps.map((step) => {
          const { id, type, name, ...fields } = step as { id: string; type: string; name?: string } & Record<string, unknown>;
          // Nested steps are listed on their own: their parent shows only where they sit.
          const branches = new Set<string>(childBranchFields(type));
          const shown = Object.fromEntries(
            Object.entries(fields).map(([key, value]) => [
              key,
              branches.has(key) && Array.isArray(value) ? value.map((s: { id?: unknown }) => `→ ${String(s.id)}`) : value,
            ]),
          );
          return (
            <li key={id}>
              <strong>{name ?? id}</strong> <code>{type}</code>
              {name !== undefined && <span className="muted"> ({id})</span>}
              {Object.keys(shown).length > 0 && <pre className="draft-card__review-fields">{JSON.stringify(shown, null, 2)}</pre>}
            </li>
          );
        })}
      </ol>
    </details>
  );
}
