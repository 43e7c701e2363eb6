import { ExpressionError } from './expression-error';
import { parseExpression, type ExpressionNode, type ParsedExpression } from './parse';

/**
 * One name an expression reads: the root identifier and the literal keys
 * following it. `steps.list.output.items` gives
 * `{ root: 'steps', path: ['list', 'output', 'items'], stepId: 'list' }`.
 */
export interface ExpressionReference {
  readonly root: string;
  readonly path: readonly (string | number)[];
  /** Set when `root` is `steps` and a step is named. */
  readonly stepId?: string;
}

/** Every root reference in an expression, in source order. Throws `ExpressionError` on bad syntax. */
export function expressionReferences(expression: string | ParsedExpression): ExpressionReference[] {
  const parsed = typeof expression === 'string' ? parseExpression(expression) : expression;
  const out: ExpressionReference[] = [];
  collect(parsed.ast, out);
  return out;
}

function collect(node: ExpressionNode, out: ExpressionReference[]): void {
  switch (node.type) {
    case 'literal':
      return;
    case 'identifier':
      out.push(reference(node.name, []));
      return;
    case 'member': {
      const keys: (string | number)[] = [];
      let base: ExpressionNode = node;
      while (base.type === 'member') {
        keys.unshift(base.key);
        base = base.object;
      }
      // Keys hanging off a non-name (`[a, b][0]`) do not extend a reference.
      if (base.type === 'identifier') out.push(reference(base.name, keys));
      else collect(base, out);
      return;
    }
    case 'array':
      for (const element of node.elements) collect(element, out);
      return;
    case 'unary':
      collect(node.argument, out);
      return;
    case 'logical':
    case 'binary':
      collect(node.left, out);
      collect(node.right, out);
      return;
    default: {
      const unexpected: never = node;
      throw new ExpressionError(`unhandled expression node ${JSON.stringify(unexpected)}`, { kind: 'syntax' });
    }
  }
}

function reference(root: string, path: (string | number)[]): ExpressionReference {
  const [first] = path;
  return root === 'steps' && first !== undefined ? { root, path, stepId: String(first) } : { root, path };
}
