import { formatPath } from '@weft/shared';

/**
 * Where each path of a JSON text sits, so a validation issue (`steps[1].command`) can point at its
 * text. Properties span from their key to the end of their value; array items span the item.
 */
export type Span = { start: number; end: number };
export type Location = Span & { line: number; column: number };

const WS = /\s/;

function index(text: string): Map<string, Span> | null {
  const spans = new Map<string, Span>();
  let pos = 0;
  const skip = () => {
    while (pos < text.length && WS.test(text[pos]!)) pos++;
  };
  const readString = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const value = (path: PropertyKey[]): void => {
    skip();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      skip();
      if (text[pos] === '}') {
        pos++;
        return;
      }
      for (;;) {
        skip();
        const keyStart = pos;
        const key = readString();
        skip();
        pos++; // :
        const child = [...path, key];
        value(child);
        spans.set(formatPath(child), { start: keyStart, end: pos });
        skip();
        if (text[pos++] === '}') return;
      }
    } else if (ch === '[') {
      pos++;
      skip();
      if (text[pos] === ']') {
        pos++;
        return;
      }
      for (let i = 0; ; i++) {
        skip();
        const start = pos;
        const child = [...path, i];
        value(child);
        spans.set(formatPath(child), { start, end: pos });
        skip();
        if (text[pos++] === ']') return;
      }
    } else if (ch === '"') {
      readString();
    } else {
      while (pos < text.length && !/[\s,\]}]/.test(text[pos]!)) pos++;
    }
  };
  try {
    JSON.parse(text);
    const start = text.search(/\S/);
    value([]);
    spans.set('', { start: Math.max(0, start), end: pos });
    return spans;
  } catch {
    return null;
  }
}

/** `steps[1].then[0]` -> `steps[1]`, `steps[1]` -> `steps`, `env["A-B"]` -> `env`. */
function parentPath(path: string): string | null {
  if (path === '') return null;
  const match = /(\[[^\]]*\]|\.[^.[]+)$/.exec(path);
  return match === null ? '' : path.slice(0, match.index);
}

/** Where `path` is in `text`, or its closest ancestor that is there (a missing field points at its object). */
export function locatePath(text: string, path: string, spans: Map<string, Span> | null = index(text)): Location | null {
  if (spans === null) return null;
  for (let at: string | null = path; at !== null; at = parentPath(at)) {
    const span = spans.get(at);
    if (span === undefined) continue;
    const before = text.slice(0, span.start);
    const line = before.split('\n').length;
    const column = span.start - before.lastIndexOf('\n');
    return { ...span, line, column };
  }
  return null;
}

/** Every issue located at once (one pass over the text). */
export function locateAll(text: string, paths: readonly string[]): (Location | null)[] {
  const spans = index(text);
  return paths.map((path) => locatePath(text, path, spans));
}
