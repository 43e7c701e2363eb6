import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPendingSignIns, MAX_PENDING_SIGN_INS, PENDING_TTL_MS, type PendingSignIn } from '../src/auth/oidc/pending-sign-ins';
import { startServer, type TestServer } from './helpers/server';

/** The pending single sign-ons on the server's own database (SQLite, and PostgreSQL in `server-postgres`). */
let s: TestServer;
let nowMs = Date.parse('2026-12-06T10:00:00Z');
const clock = { now: () => new Date(nowMs) };
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.close();
});

const entry = (n: number): PendingSignIn => ({
  codeVerifier: `verifier-${n}`,
  nonce: `nonce-${n}`,
  redirectUri: 'http://127.0.0.1/auth/oidc/callback',
  next: n % 2 === 0 ? `/automation/wf_${n}` : null,
  linkTo: n % 3 === 0 ? { userId: `usr_${n}`, sessionId: `ses_${n}` } : null,
});

describe('pending single sign-ons', () => {
  it('hands a sign-in out once, to whichever server asks, and never stores the state itself', () => {
    const one = createPendingSignIns({ db: s.app.db, clock });
    const other = createPendingSignIns({ db: s.app.db, clock });
    one.put('state-a', entry(6));
    const stored = s.app.db.prepare('SELECT state_hash FROM oidc_pending_sign_ins').all() as { state_hash: string }[];
    expect(stored.map((r) => r.state_hash)).not.toContain('state-a');
    expect(other.take('state-a')).toEqual(entry(6));
    expect(one.take('state-a')).toBeNull();
    expect(other.take('never-started')).toBeNull();
  });

  it('forgets a sign-in after its time', () => {
    const pending = createPendingSignIns({ db: s.app.db, clock });
    pending.put('state-late', entry(1));
    pending.put('state-in-time', entry(2));
    nowMs += PENDING_TTL_MS - 1;
    expect(pending.take('state-in-time')).toEqual(entry(2));
    nowMs += 1;
    expect(pending.take('state-late')).toBeNull();
  });

  it('holds at most the bound, dropping the oldest first', () => {
    const pending = createPendingSignIns({ db: s.app.db, clock });
    for (let i = 0; i <= MAX_PENDING_SIGN_INS; i++) {
      pending.put(`bulk-${i}`, entry(i));
      nowMs += 1;
    }
    const { n } = s.app.db.prepare('SELECT COUNT(*) AS n FROM oidc_pending_sign_ins').get() as { n: number };
    expect(Number(n)).toBe(MAX_PENDING_SIGN_INS);
    expect(pending.take('bulk-0')).toBeNull();
    expect(pending.take('bulk-1')).toEqual(entry(1));
    expect(pending.take(`bulk-${MAX_PENDING_SIGN_INS}`)).toEqual(entry(MAX_PENDING_SIGN_INS));
  });
});
