import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TAIL = 10;
// Random bytes drawn from the CSPRNG in blocks: one call per 409 ids instead of one each.
const pool = Buffer.alloc(4096 - (4096 % TAIL));
let offset = pool.length;

/** Time-sortable ids (`wf_01h…`) so "before" cursors and ORDER BY id follow creation order. */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let tail = '';
  for (let i = 0; i < TAIL; i++) tail += ALPHABET[pool[offset + i]! % 32];
  offset += TAIL;
  return `${prefix}_${time}${tail}`;
}
