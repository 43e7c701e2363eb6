import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, ApiErrorBody, SerializedError, serializeError } from './errors';

describe('ApiErrorBody', () => {
  it('accepts the wire shape, with or without details', () => {
    expect(ApiErrorBody.safeParse({ error: { code: 'not_found', message: 'no such workflow' } }).success).toBe(true);
    expect(ApiErrorBody.safeParse({ error: { code: 'validation_failed', message: 'bad', details: [{ path: 'name', message: 'required' }] } }).success).toBe(
      true,
    );
    expect(ApiErrorBody.safeParse({ error: { message: 'x' } }).success).toBe(false);
  });

  it('lists the machine codes', () => {
    expect(API_ERROR_CODES).toEqual([
      'bad_request',
      'unauthorized',
      'forbidden',
      'not_found',
      'conflict',
      'payload_too_large',
      'validation_failed',
      'internal',
    ]);
  });
});

describe('serializeError', () => {
  it('keeps name, message, a string code and the cause chain', () => {
    const error = Object.assign(new TypeError('outer', { cause: new Error('inner') }), { code: 'E_OUTER' });
    const serialized = serializeError(error);
    expect(serialized).toEqual({ name: 'TypeError', message: 'outer', code: 'E_OUTER', cause: { name: 'Error', message: 'inner' } });
    expect(SerializedError.safeParse(serialized).success).toBe(true);
    expect(JSON.parse(JSON.stringify(serialized))).toEqual(serialized);
  });

  it('handles non-errors and hostile values', () => {
    expect(serializeError('plain')).toEqual({ name: 'NonError', message: 'plain' });
    expect(serializeError({ a: 1 })).toEqual({ name: 'NonError', message: '{"a":1}' });
    expect(serializeError(undefined)).toEqual({ name: 'NonError', message: 'undefined' });
    const hostile = new Proxy(new Error('x'), {
      get() {
        throw new Error('trap');
      },
    });
    expect(serializeError(hostile).name).toBe('Error');
  });

  it('stops at a bounded cause depth', () => {
    const error: Error & { cause?: unknown } = new Error('loop');
    error.cause = error;
    let depth = 0;
    for (let current: SerializedError | undefined = serializeError(error); current !== undefined; current = current.cause) depth++;
    expect(depth).toBe(6);
  });
});
