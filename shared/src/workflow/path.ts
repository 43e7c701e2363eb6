const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['steps', 2, 'then', 0, 'command']` -> `steps[2].then[0].command`; odd keys as `env["MY-VAR"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += `[${String(segment)}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Appends relative segments to an already formatted path. */
export function joinPath(base: string, segments: readonly PropertyKey[]): string {
  const tail = formatPath(segments);
  if (base === '' || tail === '') return base + tail;
  return tail.startsWith('[') ? base + tail : `${base}.${tail}`;
}
