import { z } from 'zod';
import { Role } from '../api/people';

/**
 * Who may decide an approval step: people named by user id or email, and/or everyone holding one of
 * the roles. Empty (the default): anyone whose role carries the `approve` scope. A plain list (the
 * shape before approver rules) still reads as `users` (an empty one as nobody named), so stored workflows keep validating.
 */
export const ApproverRuleObject = z.strictObject({
  users: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  roles: z.array(Role).min(1).max(10).optional(),
});

const legacyList = (value: unknown) => (Array.isArray(value) ? (value.length === 0 ? {} : { users: value }) : value);

export const ApproverRule = z.preprocess(legacyList, ApproverRuleObject);
export type ApproverRule = z.infer<typeof ApproverRuleObject>;

/** Most approvals one step may ask for: more people than that is a process, not a gate. */
export const MAX_MIN_APPROVALS = 20;

/** An approval step's rules with the defaults applied. */
export type ApprovalRules = { approvers: ApproverRule; minApprovals: number; allowSelfApproval: boolean };

/** "users ana@x.io, bob or roles admin" — the rule in words, for 403s and cards. */
export function describeApprovers(rule: ApproverRule): string {
  const parts = [
    ...(rule.users ? [`${rule.users.length === 1 ? 'user' : 'users'} ${rule.users.join(', ')}`] : []),
    ...(rule.roles ? [`${rule.roles.length === 1 ? 'role' : 'roles'} ${rule.roles.join(', ')}`] : []),
  ];
  return parts.length === 0 ? 'anyone who may approve (approver, admin or owner)' : parts.join(' or ');
}
