import type { Role, Scope } from '@weft/shared';
import { AppError } from '../http/errors';

/** A person, as a request acts for them. */
export type UserPrincipal = {
  type: 'user';
  id: string;
  name: string;
  role: Role;
  /** What this credential may do: the role's scopes, cut down to a token's own. */
  scopes: Scope[];
  /** `token`: the access token (the owner); `session`: a browser sign-in; `pat`: a personal access token. */
  via: 'token' | 'session' | 'pat';
  /** The browser session's public id or the personal token's id; null for the access token. */
  credentialId: string | null;
};

/**
 * Who a request acts for, set by the auth plugin from the credential it presented — never from
 * anything the client says about itself. Routes and tools decide on this, not on headers or bodies.
 */
export type Principal =
  | UserPrincipal
  /** A runner process, holding the runner credential: only /ws/runner and the tool-call endpoint. */
  | { type: 'runner' }
  /** A scraper holding WEFT_METRICS_TOKEN: only `GET /metrics`. */
  | { type: 'metrics' };

/** The name a decision made by this principal records (`decidedBy`). */
export function principalName(principal: Principal): string {
  switch (principal.type) {
    case 'user':
      return principal.name;
    case 'runner':
      return 'runner';
    case 'metrics':
      return 'metrics';
    default: {
      const never: never = principal;
      return never;
    }
  }
}

/** The person a request acts for; 403 `forbidden` for anything that is not a person. */
export function userOf(principal: Principal | null, action: string): UserPrincipal {
  if (principal?.type !== 'user') throw new AppError(403, 'forbidden', `only a person may ${action}`);
  return principal;
}

/** The name of the person a request acts for; 403 `forbidden` for anything that is not a person. */
export function personOf(principal: Principal | null, action: string): string {
  return userOf(principal, action).name;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Null only on public routes reached without a credential. */
    principal: Principal | null;
  }
}
