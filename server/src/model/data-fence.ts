import { randomBytes } from 'node:crypto';

/**
 * Text someone else wrote (run outputs, logs, errors, a workflow, a command's reply) goes to a model
 * as data: between a line `<<<MARKER label` and a line `MARKER>>>`, named by a random marker none
 * of `texts` contains (checked, so a value can never close its own fence). One marker for all of a
 * prompt's fences, so the prompt can name it once; the caller says never to follow what is inside.
 */
export function fenceData(texts: readonly string[]): { marker: string; fence: (text: string, label?: string) => string } {
  let marker: string;
  do marker = `DATA-${randomBytes(8).toString('hex')}`;
  while (texts.some((t) => t.includes(marker)));
  return { marker, fence: (text, label) => `<<<${marker}${label ? ` ${label}` : ''}\n${text}\n${marker}>>>` };
}
