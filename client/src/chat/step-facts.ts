import { estimateCostUsd, findStep, type WorkflowDefinition } from '@weft/shared';

/**
 * What an agent step's container header says about the model's work, read from loosely typed
 * sources (the step output, a turn's `meta`): anything of the wrong shape is left out, never shown.
 */
export type StepUsage = { input: number; output: number; costUsd: number | null };

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** `usage` of a step output or a turn's meta; the cost as given, else estimated from the model's list price. */
export function usageOf(source: unknown, model: string | null): StepUsage | null {
  const usage = record(record(source)?.usage);
  if (usage === null || typeof usage.inputTokens !== 'number' || typeof usage.outputTokens !== 'number') return null;
  const given = typeof usage.costUsd === 'number' && Number.isFinite(usage.costUsd) ? usage.costUsd : null;
  const costUsd = given ?? (model !== null ? estimateCostUsd(model, { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }) : null);
  return { input: usage.inputTokens, output: usage.outputTokens, costUsd };
}

export function modelOf(...sources: unknown[]): string | null {
  for (const source of sources) {
    const model = record(source)?.model;
    if (typeof model === 'string' && model !== '') return model;
  }
  return null;
}

/** The agent's persona name: the turn's `meta.persona` (a name, or `{name}`), else the step's definition. */
export function personaOf({ meta, definition, stepId }: { meta: unknown; definition: WorkflowDefinition | null | undefined; stepId: string }): string | null {
  const fromMeta = record(meta)?.persona;
  if (typeof fromMeta === 'string' && fromMeta !== '') return fromMeta;
  const named = record(fromMeta)?.name;
  if (typeof named === 'string' && named !== '') return named;
  const step = definition ? findStep(definition, stepId)?.step : undefined;
  return step?.type === 'agent_prompt' && step.persona !== undefined ? step.persona.name : null;
}

/** Tool calls from an agent step's output, when it reports them. */
export function workOf(output: unknown): { toolCalls: number | null } {
  const total = record(record(output)?.toolCalls)?.total;
  return { toolCalls: typeof total === 'number' ? total : null };
}

/** US dollars as a header reads them: cents from a dollar up, finer below, `<$0.0001` for dust. */
export function formatCostUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.0001) return '<$0.0001';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  if (usd < 1) return `$${usd.toFixed(3)}`;
  return `$${usd.toFixed(2)}`;
}
