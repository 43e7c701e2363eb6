import { createHash } from 'node:crypto';

/** Past this many characters of JSON a definition is not copied into an entry (the versions keep it). */
export const DEFINITION_CAP = 16 * 1024;

/**
 * A definition as an audit entry holds it: whole up to `DEFINITION_CAP` characters of JSON, else a
 * stand-in with its size and SHA-256 (the workflow's version history holds the full text), so an
 * entry stays small however large a workflow grows.
 */
export function boundedDefinition(definition: unknown): unknown {
  const json = JSON.stringify(definition) ?? 'null';
  if (json.length <= DEFINITION_CAP) return definition;
  return { truncated: true, chars: json.length, sha256: createHash('sha256').update(json).digest('hex') };
}
