import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TAIL = 10;
// Random bytes drawn from the CSPRNG in blocks: one call per 409 ids instead of one each.
const pool = Buffer.alloc(4096 - (4096 % TAIL));
let offset = pool.length;
/** The last id's millisecond and tail digits: ids made within one millisecond count up from it. */
let lastTime = -1;
let lastTail: number[] = [];

function randomTail(): number[] {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const tail: number[] = [];
  for (let i = 0; i < TAIL; i++) tail.push(pool[offset + i]! % 32);
  offset += TAIL;
  return tail;
}

/** The tail plus one in base 32; null when it was all `z` (a fresh random tail is taken then). */
function increment(tail: number[]): number[] | null {
  const next = tail.slice();
  for (let i = TAIL - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  return null;
}

/**
 * Time-sortable ids (`wf_01h…`) so "before" cursors and ORDER BY id follow creation order, also
 * within one millisecond (a tick starting several runs): there the tail counts up, as in ULID's
 * monotonic mode, instead of being drawn again.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const tail = (now === lastTime ? increment(lastTail) : null) ?? randomTail();
  lastTime = now;
  lastTail = tail;
  return `${prefix}_${time}${tail.map((d) => ALPHABET[d]).join('')}`;
}
