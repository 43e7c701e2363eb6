import type { FastifyPluginAsync } from 'fastify';
import { createApiTokenAdmin } from './api-tokens';
import { credentialsRoutes } from './credentials-routes';
import { createSignInAudit } from './sign-in-audit';
import { signInRoutes } from './sign-in-routes';
import { createUserAccounts } from './user-accounts';
import { usersRoutes } from './users-routes';

/** People and sign-in (docs/api.md): password and invite sign-in, people, sessions, personal tokens. */
const peopleRoutes: FastifyPluginAsync = async (app) => {
  const accounts = createUserAccounts({ db: app.db, clock: app.clock });
  const tokenAdmin = createApiTokenAdmin({ db: app.db, clock: app.clock });
  const signInAudit = createSignInAudit({ audit: app.audit, accounts });
  await app.register(signInRoutes({ accounts, signInAudit }));
  await app.register(usersRoutes({ accounts, tokenAdmin }));
  await app.register(credentialsRoutes({ tokenAdmin }));
};

export default peopleRoutes;
