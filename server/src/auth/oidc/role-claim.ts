import { ROLES, type Role } from '@weft/shared';

/** Roles single sign-on may grant, strongest first. `owner` is the first start's person only. */
const GRANTABLE: readonly Role[] = ROLES.filter((role) => role !== 'owner');

/**
 * The Weft role a provider's claim names: a role name, or an array holding role names (group
 * lists). The strongest one wins; absent or unknown values give `viewer`, never an error.
 */
export function roleFromClaim(value: unknown): Role {
  const names = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase());
  return GRANTABLE.find((role) => names.includes(role)) ?? 'viewer';
}
