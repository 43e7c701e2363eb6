import {
  childBranchFields,
  escapeHiddenCharacters,
  flattenSteps,
  siteReferences,
  stepExpressionSites,
  type Step,
  type WorkflowDefinition,
  type WorkflowInput,
} from '@weft/shared';
import { type Ref, useId } from 'react';

/** A value as the review shows it: JSON in full (quotes show a string's edges), hidden characters written out. */
const shown = (value: unknown) => escapeHiddenCharacters(JSON.stringify(value, null, 2) ?? String(value));

const count = (n: number, one: string, many: string) => (n === 1 ? one : many.replace('#', String(n)));

function reviewSummary(steps: number, inputs: number): string {
  const what = count(steps, 'the step', 'all # steps');
  return inputs === 0 ? `Review ${what} before saving` : `Review ${count(inputs, 'the input', '# inputs')} and ${what} before saving`;
}

/** The inputs a step's own expressions and templates read (`inputs.X`), each once, in the order they appear. */
function inputsRead(step: Step): string[] {
  const names = new Set<string>();
  for (const site of stepExpressionSites(step)) {
    for (const reference of siteReferences(site)) {
      const [first] = reference.path;
      if (reference.root === 'inputs' && typeof first === 'string') names.add(first);
    }
  }
  return [...names];
}

function noDefault(input: WorkflowInput | undefined): string {
  if (input === undefined) return '(not declared)';
  return input.required ? '(no default: each run gives it)' : '(no default)';
}

/**
 * Every step of a draft in full, before it is saved: the diagram shows a step's first line only,
 * and a draft is model output that text from tool results, run logs or webhook payloads can shape.
 * What a step will do (the whole command, URL, body, prompt, tool policy) is one click away; a
 * draft whose trigger runs it on its own opens it before it can be saved with that trigger on
 * (DraftCard). `onOpen`: the person opened it, by its summary or by Save.
 *
 * Before the steps, what the definition holds above them that changes what they do: each input's
 * name, type and default in full (a run started by a trigger runs with the defaults, so a template
 * like `{{ inputs.url }}` goes where the default says), and the integrations it `requires`. A step
 * that reads inputs shows their defaults under its fields too.
 */
export function DraftStepsReview({ definition, ref, onOpen }: { definition: WorkflowDefinition; ref?: Ref<HTMLDetailsElement>; onOpen?: () => void }) {
  const steps = flattenSteps(definition.steps);
  const declared = definition.inputs ?? {};
  const inputs = Object.entries(declared);
  const requires = [...new Set(definition.requires ?? [])];
  const headed = inputs.length > 0 || requires.length > 0;
  const ids = useId();
  return (
    <details
      ref={ref}
      className="draft-card__review"
      data-testid="draft-review"
      onToggle={(event) => {
        if (event.currentTarget.open) onOpen?.();
      }}
    >
      <summary>{reviewSummary(steps.length, inputs.length)}</summary>
      {inputs.length > 0 && (
        <section className="draft-card__review-section" aria-labelledby={`${ids}-inputs`} data-testid="draft-review-inputs">
          <h4 id={`${ids}-inputs`} className="draft-card__review-heading">
            Inputs
          </h4>
          <dl className="draft-card__inputs">
            {inputs.map(([name, input]) => (
              <div key={name} className="draft-card__input">
                <dt>
                  <code>{escapeHiddenCharacters(name)}</code>{' '}
                  <span className="muted">
                    {input.type}
                    {input.required ? ', required' : ''}
                  </span>
                </dt>
                <dd>
                  {input.default === undefined ? (
                    <span className="muted">{noDefault(input)}</span>
                  ) : (
                    <>
                      <span className="muted">Default </span>
                      <code className="draft-card__value">{shown(input.default)}</code>
                    </>
                  )}
                </dd>
                {input.description !== undefined && input.description.trim() !== '' && (
                  <dd className="muted draft-card__input-desc">{escapeHiddenCharacters(input.description)}</dd>
                )}
              </div>
            ))}
          </dl>
        </section>
      )}
      {requires.length > 0 && (
        <p className="draft-card__review-section draft-card__requires" data-testid="draft-review-requires">
          <span className="draft-card__review-heading">Integrations</span>{' '}
          {requires.map((name, i) => (
            <span key={name}>
              {i > 0 && ', '}
              <code>{escapeHiddenCharacters(name)}</code>
            </span>
          ))}
        </p>
      )}
      <div className={headed ? 'draft-card__review-section' : undefined}>
        {headed && (
          <h4 id={`${ids}-steps`} className="draft-card__review-heading">
            Steps
          </h4>
        )}
        <ol className="draft-card__review-list" aria-labelledby={headed ? `${ids}-steps` : undefined}>
          {steps.map((step) => {
            const { id, type, name, ...fields } = step as { id: string; type: string; name?: string } & Record<string, unknown>;
            // Nested steps are listed on their own: their parent shows only where they sit.
            const branches = new Set<string>(childBranchFields(type));
            const own = Object.fromEntries(
              Object.entries(fields).map(([key, value]) => [
                key,
                branches.has(key) && Array.isArray(value) ? value.map((s: { id?: unknown }) => `→ ${String(s.id)}`) : value,
              ]),
            );
            const reads = inputsRead(step);
            return (
              <li key={id}>
                <strong>{escapeHiddenCharacters(name ?? id)}</strong> <code>{escapeHiddenCharacters(type)}</code>
                {name !== undefined && <span className="muted"> ({escapeHiddenCharacters(id)})</span>}
                {Object.keys(own).length > 0 && <pre className="draft-card__review-fields">{shown(own)}</pre>}
                {reads.length > 0 && (
                  <ul className="draft-card__review-reads" aria-label="Inputs this step reads">
                    {reads.map((input) => {
                      const spec = Object.hasOwn(declared, input) ? declared[input] : undefined;
                      return (
                        <li key={input}>
                          <code>inputs.{escapeHiddenCharacters(input)}</code>{' '}
                          {spec?.default !== undefined ? (
                            <>
                              = <code className="draft-card__value">{shown(spec.default)}</code> <span className="muted">(default)</span>
                            </>
                          ) : (
                            <span className="muted">{noDefault(spec)}</span>
                          )}
                        </li>
                      );
                    })}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      </div>
    </details>
  );
}
