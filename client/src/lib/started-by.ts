import type { StartedBy } from '@weft/shared';

/**
 * Who started a run, as the words after "Started": the signed-in person reads "by you", anyone
 * else the name the run recorded (its id on runs from before names were kept). `parentExecutionId` is set for a run another
 * workflow started, for the caller to link "by workflow" to it.
 */
export type StartedByPhrase = { text: string; parentExecutionId?: string };

export function startedByPhrase(startedBy: StartedBy | null | undefined, meId: string | undefined): StartedByPhrase | null {
  if (startedBy === null || startedBy === undefined) return null;
  switch (startedBy.kind) {
    case 'user':
      return { text: startedBy.id === meId ? 'by you' : `by ${startedBy.name ?? startedBy.id}` };
    case 'schedule':
      return { text: `by schedule ${startedBy.id}` };
    case 'webhook':
      return { text: `by webhook ${startedBy.id}` };
    case 'workflow':
      return { text: 'by workflow', parentExecutionId: startedBy.id };
    case 'assistant':
      return { text: startedBy.id === meId ? 'by the assistant, for you' : startedBy.name ? `by the assistant, for ${startedBy.name}` : 'by the assistant' };
    default:
      return { text: `by ${(startedBy as StartedBy).id}` };
  }
}
