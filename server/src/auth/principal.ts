import { AppError } from '../http/errors';

/**
 * Who a request acts for, set by the auth plugin from the credential it presented — never from
 * anything the client says about itself. Routes and tools decide on this, not on headers or bodies.
 */
export type Principal =
  /** A person: today the one owner (access token or browser session). */
  | { type: 'user'; id: string; name: string; via: 'token' | 'session' }
  /** A runner process, holding the runner credential: only /ws/runner and the tool-call endpoint. */
  | { type: 'runner' };

/** The name a decision made by this principal records (`decidedBy`). */
export function principalName(principal: Principal): string {
  switch (principal.type) {
    case 'user':
      return principal.name;
    case 'runner':
      return 'runner';
    default: {
      const never: never = principal;
      return never;
    }
  }
}

/** The name of the person a request acts for; 403 `forbidden` for anything that is not a person. */
export function personOf(principal: Principal | null, action: string): string {
  if (principal?.type !== 'user') throw new AppError(403, 'forbidden', `only a person may ${action}`);
  return principal.name;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Null only on public routes reached without a credential. */
    principal: Principal | null;
  }
}
