import { ROLE_SCOPES, type Role } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { refusalFor, type ApprovalParties, type Decider } from './approver-rules';

const person = (id: string, role: Role, email: string | null = `${id}@example.com`): Decider => ({ id, email, role, scopes: ROLE_SCOPES[role] });
const parties = (over: Partial<ApprovalParties['rules']> = {}, rest: Partial<Omit<ApprovalParties, 'rules'>> = {}): ApprovalParties => ({
  rules: { approvers: {}, minApprovals: 1, allowSelfApproval: false, ...over },
  startedBy: null,
  savedBy: null,
  decidedBy: [],
  ...rest,
});

describe('refusalFor', () => {
  it('lets anyone holding approve decide when the step names nobody', () => {
    for (const role of ['owner', 'admin', 'approver'] as const) expect(refusalFor(person('p', role), parties())).toBeNull();
  });

  it('refuses a person without the approve scope, whatever the rule says', () => {
    expect(refusalFor(person('ed', 'editor'), parties({ approvers: { roles: ['editor'] } }))?.reason).toBe('missing_scope');
    expect(refusalFor({ ...person('ana', 'approver'), scopes: ['read'] }, parties())?.reason).toBe('missing_scope');
  });

  it('matches named users by id or by email, case-insensitively, and roles by role', () => {
    const rule = parties({ approvers: { users: ['ana', 'Bob@Example.com'], roles: ['admin'] } });
    expect(refusalFor(person('ana', 'approver'), rule)).toBeNull();
    expect(refusalFor(person('bob', 'approver', 'bob@example.com'), rule)).toBeNull();
    expect(refusalFor(person('ada', 'admin'), rule)).toBeNull();
    const refused = refusalFor(person('cy', 'approver'), rule);
    expect(refused).toEqual({ reason: 'not_named', message: 'Only users ana, Bob@Example.com or role admin may decide this approval.' });
    expect(refusalFor(person('nomail', 'approver', null), parties({ approvers: { users: ['x@example.com'] } }))?.reason).toBe('not_named');
  });

  it('refuses the run starter and the version saver unless self-approval is allowed', () => {
    expect(refusalFor(person('ana', 'admin'), parties({}, { startedBy: 'ana' }))?.reason).toBe('started_the_run');
    expect(refusalFor(person('ana', 'admin'), parties({}, { savedBy: 'ana' }))?.reason).toBe('saved_the_version');
    expect(refusalFor(person('ana', 'admin'), parties({ allowSelfApproval: true }, { startedBy: 'ana', savedBy: 'ana' }))).toBeNull();
    expect(refusalFor(person('bob', 'admin'), parties({}, { startedBy: 'ana', savedBy: 'ana' }))).toBeNull();
  });

  it('refuses a second decision by the same person', () => {
    expect(refusalFor(person('ana', 'approver'), parties({ minApprovals: 2 }, { decidedBy: ['ana'] }))?.reason).toBe('already_decided');
  });
});
