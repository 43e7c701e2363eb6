import { diffDefinitions, findStep, STEP_CATALOGUE, type WorkflowDefinition } from '@weft/shared';
import { safeKeyParam, stepTitle } from '../../diagram/node-data';

/** One change between two versions, in words. */
export type ChangeLine = { kind: 'added' | 'removed' | 'changed' | 'moved' | 'field'; stepId?: string; title: string; detail?: string };

const FIELD_LABELS: Record<string, string> = { name: 'Name', description: 'Description', inputs: 'Inputs', requires: 'Required integrations' };

function short(value: unknown): string {
  if (value === undefined) return 'none';
  const text = typeof value === 'string' ? `“${value}”` : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function stepLabel(definition: WorkflowDefinition, stepId: string): { title: string; summary: string } {
  const found = findStep(definition, stepId);
  if (found === null) return { title: stepId, summary: '' };
  const kind = STEP_CATALOGUE[found.step.type]?.title ?? found.step.type;
  const param = safeKeyParam(found.step);
  return { title: stepTitle(found.step), summary: param ? `${kind}: ${param}` : kind };
}

/** diffDefinitions, readable: one line per change, in the order diffDefinitions reports them. */
export function describeDefinitionChanges(before: WorkflowDefinition, after: WorkflowDefinition): ChangeLine[] {
  const lines: ChangeLine[] = [];
  for (const change of diffDefinitions(before, after)) {
    switch (change.kind) {
      case 'field': {
        const label = FIELD_LABELS[change.path] ?? change.path;
        const primitive = (v: unknown) => v === undefined || typeof v !== 'object' || v === null;
        lines.push({
          kind: 'field',
          title: `${label} changed`,
          ...(primitive(change.before) && primitive(change.after) ? { detail: `${short(change.before)} → ${short(change.after)}` } : {}),
        });
        break;
      }
      case 'step_added': {
        const { title, summary } = stepLabel(after, change.stepId);
        lines.push({ kind: 'added', stepId: change.stepId, title: `Added ${title}`, detail: summary });
        break;
      }
      case 'step_removed': {
        const { title, summary } = stepLabel(before, change.stepId);
        lines.push({ kind: 'removed', stepId: change.stepId, title: `Removed ${title}`, detail: summary });
        break;
      }
      case 'step_changed': {
        const { title } = stepLabel(after, change.stepId);
        lines.push({ kind: 'changed', stepId: change.stepId, title: `Changed ${title}`, detail: change.fields.join(', ') });
        break;
      }
      case 'step_moved': {
        const { title } = stepLabel(after, change.stepId);
        lines.push({ kind: 'moved', stepId: change.stepId, title: `Moved ${title}`, detail: `${change.from} → ${change.to}` });
        break;
      }
      default: {
        const unexpected: never = change;
        throw new Error(`unknown change ${JSON.stringify(unexpected)}`);
      }
    }
  }
  return lines;
}
