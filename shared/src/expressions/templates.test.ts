import { describe, expect, it } from 'vitest';
import { ExpressionError } from './expression-error';
import { evaluateTemplateValue, isSingleExpressionTemplate, parseTemplate, renderJsonTemplates, renderTemplate, templateReferences } from './templates';

const scope = {
  inputs: { name: 'Ada', count: 3, tags: ['x', 'y'], config: { a: 1 }, yes: true },
  steps: { list: { status: 'succeeded', output: { items: [1, 2] } } },
  trigger: null,
};

describe('parseTemplate', () => {
  it('splits text and expression parts', () => {
    const { parts } = parseTemplate('Hello {{ inputs.name }}, you have {{inputs.count}} items');
    expect(parts.map((part) => (part.kind === 'text' ? part.text : `<${part.expression.source}@${part.start}>`))).toEqual([
      'Hello ',
      '<inputs.name@6>',
      ', you have ',
      '<inputs.count@34>',
      ' items',
    ]);
  });

  it('treats a string without {{ as one text part, and "" as no parts', () => {
    expect(parseTemplate('plain } text }}').parts).toEqual([{ kind: 'text', text: 'plain } text }}' }]);
    expect(parseTemplate('').parts).toEqual([]);
  });

  it('does not close a part on }} inside a string literal', () => {
    const { parts } = parseTemplate('{{ "}}" }}!');
    expect(parts).toHaveLength(2);
    expect(renderTemplate('{{ "{{" }}.State{{ "}}" }}', scope)).toBe('{{.State}}');
  });

  it.each([
    ['unterminated {{ inputs.name', /unterminated "\{\{" at character 13/],
    ['{{', /unterminated/],
    ['a {{ }} b', /empty/],
    ['{{ inputs.name( }}', /in "\{\{ inputs.name\( \}\}" at character 0/],
    ['{{ a ? b : c }}', /conditional expressions/],
    ['{{ "it }}', /Unclosed quote/],
  ])('rejects %j', (source, message) => {
    expect(() => parseTemplate(source)).toThrow(ExpressionError);
    expect(() => parseTemplate(source)).toThrow(message);
  });
});

describe('renderTemplate', () => {
  it.each([
    ['Hi {{ inputs.name }}', 'Hi Ada'],
    ['{{ inputs.count }}', '3'],
    ['{{ inputs.count + 1 }}', '4'],
    ['{{ inputs.yes }}', 'true'],
    ['[{{ inputs.missing }}]', '[]'],
    ['{{ inputs.tags }}', '["x","y"]'],
    ['{{ inputs.config }}', '{"a":1}'],
    ['{{ steps.list.output }}', '{"items":[1,2]}'],
    ['no parts', 'no parts'],
  ])('%s -> %s', (template, expected) => {
    expect(renderTemplate(template, scope)).toBe(expected);
  });

  it('always returns a string, even for a single part', () => {
    expect(renderTemplate('{{ inputs.count }}', scope)).toBe('3');
    expect(renderTemplate('{{ null }}', scope)).toBe('');
  });

  it('reports cyclic values as an evaluation error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => renderTemplate('{{ inputs.c }}', { inputs: { c: cyclic } })).toThrow(ExpressionError);
  });
});

describe('evaluateTemplateValue', () => {
  it('returns the raw value for exactly one {{ expr }} part', () => {
    expect(evaluateTemplateValue('{{ inputs.count }}', scope)).toBe(3);
    expect(evaluateTemplateValue('{{ inputs.tags }}', scope)).toEqual(['x', 'y']);
    expect(evaluateTemplateValue('{{inputs.missing}}', scope)).toBeNull();
    expect(evaluateTemplateValue('{{ inputs.yes }}', scope)).toBe(true);
  });

  it('renders to a string when there is any text around the part', () => {
    expect(evaluateTemplateValue(' {{ inputs.count }}', scope)).toBe(' 3');
    expect(evaluateTemplateValue('{{ inputs.count }}{{ inputs.count }}', scope)).toBe('33');
    expect(evaluateTemplateValue('plain', scope)).toBe('plain');
  });

  it('isSingleExpressionTemplate tells the two cases apart', () => {
    expect(isSingleExpressionTemplate('{{ a }}')).toBe(true);
    expect(isSingleExpressionTemplate('{{ a }} ')).toBe(false);
    expect(isSingleExpressionTemplate('a')).toBe(false);
  });
});

describe('renderJsonTemplates', () => {
  it('renders every string leaf and keeps keys and other leaves', () => {
    const body = { name: 'Hi {{ inputs.name }}', count: '{{ inputs.count }}', list: ['{{ inputs.tags }}', 1, null], '{{ key }}': false };
    expect(renderJsonTemplates(body, scope)).toEqual({ name: 'Hi Ada', count: 3, list: [['x', 'y'], 1, null], '{{ key }}': false });
  });

  it('keeps a __proto__ key as data', () => {
    const rendered = renderJsonTemplates(JSON.parse('{"__proto__": {"x": "{{ inputs.count }}"}}'), scope) as object;
    expect(Object.getPrototypeOf(rendered)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(rendered, '__proto__')?.value).toEqual({ x: 3 });
  });
});

describe('templateReferences', () => {
  it('lists the references of every part', () => {
    expect(templateReferences('{{ inputs.name }} and {{ steps.list.output.items[0] }}')).toEqual([
      { root: 'inputs', path: ['name'] },
      { root: 'steps', path: ['list', 'output', 'items', 0], stepId: 'list' },
    ]);
  });
});
