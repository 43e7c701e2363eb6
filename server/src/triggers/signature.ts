import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-weft-signature';
const FORMAT = /^sha256=([0-9a-fA-F]{64})$/;

/** `sha256=<hex>` of the HMAC-SHA256 of the raw body: what a sender puts in X-Weft-Signature. */
export function signBody(secret: string, raw: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Compares in constant time over equal-length buffers; a malformed header is simply wrong. */
export function checkSignature(secret: string, raw: Buffer, header: string | string[] | undefined): 'ok' | 'missing_signature' | 'bad_signature' {
  if (header === undefined || header === '') return 'missing_signature';
  const m = typeof header === 'string' ? FORMAT.exec(header.trim()) : null;
  if (!m) return 'bad_signature';
  const presented = Buffer.from(m[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(raw).digest();
  return presented.length === expected.length && timingSafeEqual(presented, expected) ? 'ok' : 'bad_signature';
}
