import { rolesWith, SCOPE_MEANING, type MeResponse, type Scope } from '@weft/shared';
import { useQuery } from '@tanstack/react-query';
import { fetchMe } from '../api/auth';
import { meKey } from '../shell/AuthGate';

/** The signed-in person (AuthGate loaded it before any page renders). */
export function useMe(): MeResponse | undefined {
  return useQuery({ queryKey: meKey, queryFn: ({ signal }) => fetchMe(signal), staleTime: Number.POSITIVE_INFINITY }).data;
}

export type Can = { allowed: boolean /** Why not, for a disabled control's title and hint. */; reason: string };

/** The sentence a disabled control shows: what the permission is for, and who holds it. */
export function cannotReason(scope: Scope, me: Pick<MeResponse, 'role' | 'via'> | undefined): string {
  const holders = rolesWith(scope).filter((role) => role !== 'owner');
  const who = me?.via === 'pat' ? 'this token does not carry it' : `your role${me ? ` (${me.role})` : ''} does not include it`;
  return `Needs the “${scope}” permission, to ${SCOPE_MEANING[scope]}: ${who}. Ask someone with the ${holders.join(', ')} role.`;
}

/**
 * Whether the signed-in person may do what needs `scope`. The server decides anyway (403
 * `forbidden`); this only spares people a control that cannot work, and says why.
 */
export function useCan(scope: Scope): Can {
  const me = useMe();
  // AuthGate renders no page before /api/me answered: undefined only outside it (sign-in pages).
  const allowed = me?.scopes.includes(scope) ?? false;
  return { allowed, reason: allowed ? '' : cannotReason(scope, me) };
}
