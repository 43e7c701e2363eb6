import { z } from 'zod';

/**
 * People, roles and scopes. A role is what a person may do; a scope is one permission. A route
 * needs one scope (server/src/auth/route-permissions.ts); a personal access token carries a subset
 * of its person's scopes and can never do more than the person's role at the time of the request.
 */
export const ROLES = ['owner', 'admin', 'editor', 'operator', 'approver', 'viewer'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const SCOPES = ['read', 'run', 'write', 'approve', 'admin'] as const;
export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;

/** What each role may do. `approve` for an approver means: decide the approvals it is named for. */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  owner: ['read', 'run', 'write', 'approve', 'admin'],
  admin: ['read', 'run', 'write', 'approve', 'admin'],
  editor: ['read', 'run', 'write'],
  operator: ['read', 'run'],
  approver: ['read', 'approve'],
  viewer: ['read'],
};

/** What a scope lets a person do, in words the UI shows next to a disabled control. */
export const SCOPE_MEANING: Readonly<Record<Scope, string>> = {
  read: 'see workflows, runs and approvals',
  run: 'start, cancel and re-run workflows',
  write: 'change workflows, triggers and drafts',
  approve: 'decide approvals',
  admin: 'manage people, tokens, integrations and the audit log',
};

/** Roles that hold `scope`, for "ask an admin or editor" messages. */
export function rolesWith(scope: Scope): Role[] {
  return ROLES.filter((role) => ROLE_SCOPES[role].includes(scope));
}

/** The scopes a credential really has: the token's, cut down to what the person's role allows. */
export function effectiveScopes(role: Role, tokenScopes?: readonly Scope[]): Scope[] {
  const allowed = ROLE_SCOPES[role];
  return tokenScopes === undefined ? [...allowed] : allowed.filter((scope) => tokenScopes.includes(scope));
}

export const User = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: Role,
  disabled: z.boolean(),
  /** False until the person has set a password (an invite not yet accepted, a fresh owner). */
  hasPassword: z.boolean(),
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
});
export type User = z.infer<typeof User>;
