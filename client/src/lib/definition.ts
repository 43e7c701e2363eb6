import { flattenSteps, WorkflowDefinition, type Step } from '@weft/shared';

/** The name stored in a definition record, or a fallback. */
export function definitionName(definition: Record<string, unknown>, fallback: string): string {
  return typeof definition.name === 'string' && definition.name.trim() !== '' ? definition.name : fallback;
}

export function definitionDescription(definition: Record<string, unknown>): string | undefined {
  return typeof definition.description === 'string' && definition.description.trim() !== '' ? definition.description : undefined;
}

/** Structural parse for drawing; stored definitions were validated when saved, but may predate today's schema. */
export function parseDefinition(definition: unknown): { ok: true; definition: WorkflowDefinition } | { ok: false; message: string } {
  const parsed = WorkflowDefinition.safeParse(definition);
  if (parsed.success) return { ok: true, definition: definition as WorkflowDefinition };
  const first = parsed.error.issues[0];
  return { ok: false, message: first ? `${first.path.join('.') || 'definition'}: ${first.message}` : 'invalid definition' };
}

/** Every step, nested ones included. */
export function countSteps(steps: readonly Step[]): number {
  return flattenSteps(steps).length;
}
