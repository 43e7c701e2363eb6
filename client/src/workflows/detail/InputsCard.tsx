import type { WorkflowDefinition } from '@weft/shared';

/** The inputs a run takes, with types and defaults. */
export function InputsCard({ definition }: { definition: WorkflowDefinition }) {
  const inputs = Object.entries(definition.inputs ?? {});
  if (inputs.length === 0) return null;
  return (
    <section className="card" aria-labelledby="inputs-title">
      <div className="card__header">
        <h2 id="inputs-title">Inputs</h2>
      </div>
      <div className="card__body inspector">
        <dl>
          {inputs.map(([name, input]) => (
            <div key={name} style={{ display: 'contents' }}>
              <dt className="mono">{name}</dt>
              <dd>
                {input.type}
                {input.required ? ', required' : ''}
                {input.default !== undefined && (
                  <>
                    , default <code>{JSON.stringify(input.default)}</code>
                  </>
                )}
                {input.description !== undefined && <div className="muted">{input.description}</div>}
              </dd>
            </div>
          ))}
        </dl>
      </div>
    </section>
  );
}
