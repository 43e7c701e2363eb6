import { type DefinitionChange, diffDefinitions } from './definition-diff';

/**
 * `GET /api/workflows/:id/diff`'s answer, and what the compare view and the assistant read:
 * step ids only, in document order of the side that holds them (`after` for added, changed and
 * moved; `before` for removed). `fields` are `fieldDiff` paths of the step's own fields.
 */
export type DefinitionDiffSummary = {
  added: string[];
  removed: string[];
  changed: { id: string; fields: string[] }[];
  moved: string[];
};

/** `diffDefinitions` grouped by kind: the one diff, so every reader marks the same steps. */
export function summarizeDefinitionDiff(before: unknown, after: unknown): DefinitionDiffSummary {
  return summarizeDefinitionChanges(diffDefinitions(before, after));
}

/**
 * `summarizeDefinitionDiff` of changes already computed: a reader that also needs the top-level
 * `field` changes (which the summary leaves out) diffs once and reads both from the same list.
 */
export function summarizeDefinitionChanges(changes: readonly DefinitionChange[]): DefinitionDiffSummary {
  const summary: DefinitionDiffSummary = { added: [], removed: [], changed: [], moved: [] };
  for (const change of changes) {
    switch (change.kind) {
      case 'field':
        break;
      case 'step_added':
        summary.added.push(change.stepId);
        break;
      case 'step_removed':
        summary.removed.push(change.stepId);
        break;
      case 'step_changed':
        summary.changed.push({ id: change.stepId, fields: change.fields });
        break;
      case 'step_moved':
        summary.moved.push(change.stepId);
        break;
      default: {
        const unexpected: never = change;
        throw new Error(`unknown change ${JSON.stringify(unexpected)}`);
      }
    }
  }
  return summary;
}
