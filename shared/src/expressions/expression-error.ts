/**
 * The only error the expression parser, evaluator and template renderer throw.
 * `kind` separates mistakes the validator should have caught at save time
 * (`syntax`) from problems with the data seen at run time (`evaluation`).
 */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  readonly code = 'expression_error';
  readonly kind: 'syntax' | 'evaluation';
  /** Character offset of the problem inside the expression or template, when known. */
  readonly index: number | undefined;

  constructor(message: string, options: { kind: 'syntax' | 'evaluation'; index?: number }) {
    super(message);
    this.kind = options.kind;
    this.index = options.index;
  }
}
