import { excerpt, isPlainObject, scriptedTurn, type ChatMessage, type ModelProvider } from '@weft/shared';

export const OFFLINE_PREFIX = '[offline] ';

export interface OfflineAgentAnswer {
  text: string;
  /** A placeholder matching `outputSchema`, when one was given. */
  structured?: unknown;
}

/**
 * What an agent step answers when no language model is configured: a plain
 * notice (never a made-up answer) and, for a step with an output schema, the
 * smallest placeholder value of that shape so the run can carry on. The
 * placeholder is also in the text, as a JSON block, where the step reads
 * structured output from any provider.
 */
export function offlineAgentAnswer({ prompt, outputSchema }: { prompt: string; outputSchema?: Record<string, unknown> | undefined }): OfflineAgentAnswer {
  const shown = excerpt(prompt, 120);
  const lines = [
    `${OFFLINE_PREFIX}No language model is configured, so this prompt was not sent to a model and this is not a real answer.`,
    'Set ANTHROPIC_API_KEY (or ANTHROPIC_BASE_URL) on the server and run it again for a real answer.',
    shown === '' ? 'Prompt: (empty)' : `Prompt: "${shown}"`,
  ];
  if (outputSchema === undefined) return { text: lines.join('\n') };
  const structured = placeholderForSchema(outputSchema);
  lines.push('The structured output is a placeholder built from the output schema (empty strings read "offline", numbers 0, lists empty):');
  lines.push('```json', JSON.stringify(structured, null, 2), '```');
  return { text: lines.join('\n'), structured };
}

/** The prompt of an agent step's conversation: its first user message. */
function promptOf(messages: ChatMessage[]): string {
  const first = messages.find((m) => m.role === 'user');
  return typeof first?.content === 'string' ? first.content : '';
}

/**
 * Agent steps without a language model: every turn is the offline notice (and placeholder), so a
 * workflow runs end to end and says plainly that no model answered. It calls no tools.
 */
export function createOfflineAgentProvider(): ModelProvider {
  return {
    kind: 'offline',
    model: 'offline',
    async turn(req) {
      const answer = offlineAgentAnswer({ prompt: promptOf(req.messages), outputSchema: req.outputSchema });
      return scriptedTurn({ provider: 'offline', model: 'offline', content: [{ type: 'text', text: answer.text }], onEvent: req.onEvent });
    },
  };
}

const MAX_DEPTH = 32;
const FORMAT_EXAMPLES: Readonly<Record<string, string>> = {
  'date-time': '1970-01-01T00:00:00Z',
  date: '1970-01-01',
  time: '00:00:00Z',
  email: 'offline@example.com',
  uri: 'https://example.com/offline',
  url: 'https://example.com/offline',
  hostname: 'example.com',
  ipv4: '0.0.0.0',
  ipv6: '::',
  uuid: '00000000-0000-0000-0000-000000000000',
  duration: 'PT0S',
};

/**
 * The smallest value a simple JSON Schema accepts: required properties only,
 * strings "offline", numbers 0 (moved into range), booleans false, arrays empty
 * (or `minItems` placeholders), enums and consts their first value. Handles
 * local `$ref`s, `anyOf`/`oneOf` (first branch) and `allOf` (merged). Pure;
 * never throws; null when the schema gives nothing to go on.
 */
export function placeholderForSchema(schema: unknown): unknown {
  return placeholder({ schema, root: schema, depth: 0 });
}

function placeholder({ schema, root, depth }: { schema: unknown; root: unknown; depth: number }): unknown {
  if (depth > MAX_DEPTH || !isPlainObject(schema)) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0] ?? null;
  if ('default' in schema && schema.default !== undefined) return schema.default;
  if (typeof schema.$ref === 'string') return placeholder({ schema: resolveRef(schema.$ref, root), root, depth: depth + 1 });
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) return placeholder({ schema: branches[0], root, depth: depth + 1 });
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const parts = schema.allOf.map((part) => placeholder({ schema: part, root, depth: depth + 1 }));
    if (parts.every(isPlainObject)) return Object.assign({}, ...parts, objectPlaceholder({ schema, root, depth }));
    return parts[0] ?? null;
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== 'null') ?? schema.type[0]) : schema.type;
  switch (type) {
    case 'string':
      return stringPlaceholder(schema);
    case 'number':
    case 'integer':
      return numberPlaceholder(schema, type === 'integer');
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array': {
      const min = typeof schema.minItems === 'number' && schema.minItems > 0 ? Math.min(Math.ceil(schema.minItems), 100) : 0;
      const items = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      return Array.from({ length: min }, (_, i) => placeholder({ schema: items[i] ?? schema.items, root, depth: depth + 1 }));
    }
    case 'object':
      return objectPlaceholder({ schema, root, depth });
    default:
      return isPlainObject(schema.properties) ? objectPlaceholder({ schema, root, depth }) : null;
  }
}

function objectPlaceholder({ schema, root, depth }: { schema: Record<string, unknown>; root: unknown; depth: number }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((key): key is string => typeof key === 'string') : [];
  for (const key of required) {
    // defineProperty: a "__proto__" property name must stay data.
    Object.defineProperty(out, key, {
      value: placeholder({ schema: properties[key] ?? {}, root, depth: depth + 1 }),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function stringPlaceholder(schema: Record<string, unknown>): string {
  const format = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  let value = format ?? 'offline';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  if (value.length < min) value = value.padEnd(Math.min(min, 10_000), '-');
  if (value.length > max) value = value.slice(0, Math.max(0, max));
  return value;
}

function numberPlaceholder(schema: Record<string, unknown>, integer: boolean): number {
  const num = (key: string): number | undefined => (typeof schema[key] === 'number' && Number.isFinite(schema[key]) ? (schema[key] as number) : undefined);
  let value = 0;
  const minimum = num('minimum');
  const exclusiveMinimum = num('exclusiveMinimum');
  const maximum = num('maximum');
  const exclusiveMaximum = num('exclusiveMaximum');
  if (minimum !== undefined && value < minimum) value = minimum;
  if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) value = integer ? Math.floor(exclusiveMinimum) + 1 : exclusiveMinimum + 1;
  if (maximum !== undefined && value > maximum) value = maximum;
  if (exclusiveMaximum !== undefined && value >= exclusiveMaximum) value = integer ? Math.ceil(exclusiveMaximum) - 1 : exclusiveMaximum - 1;
  return integer ? Math.ceil(value) : value;
}

/** `#/$defs/Item` or `#/definitions/Item` within the same schema; anything else is null. */
function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#')) return null;
  let node: unknown = root;
  for (const raw of ref
    .slice(1)
    .split('/')
    .filter((part) => part !== '')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return null;
    node = node[key];
  }
  return node;
}
