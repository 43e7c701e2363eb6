import type { Scope } from '@weft/shared';

/**
 * What every route needs, in one table, decided on the route Fastify matched
 * (`request.routeOptions.url`), never on the raw URL. Keys are `METHOD url` exactly as registered;
 * HEAD follows GET. Registering a route missing here fails at start (plugins/auth.ts), so nothing
 * is reachable by accident. `server/test/role-routes.test.ts` walks it for every role.
 *
 * - `public`: no credential (documented in docs/api.md, "Public routes").
 * - `runner`: only the runner credential. `user_or_runner`: the runner credential, or a person
 *   holding the scope after the colon.
 * - `user_or_metrics:<scope>`: the metrics credential (WEFT_METRICS_TOKEN), or a person holding
 *   the scope. The metrics credential opens nothing else.
 * - `signed_in`: any person, whatever their role (their own profile, sessions, tokens).
 * - a scope: a person whose credential holds it.
 */
export type RoutePermission = 'public' | 'runner' | 'signed_in' | Scope | `user_or_runner:${Scope}` | `user_or_metrics:${Scope}`;

export const ROUTE_PERMISSIONS: Readonly<Record<string, RoutePermission>> = {
  // The app and sign-in.
  'GET /': 'public',
  'GET /favicon.svg': 'public',
  'GET /assets/*': 'public',
  'GET /login': 'public',
  'POST /auth/login': 'public',
  'POST /auth/logout': 'public',
  'GET /auth/options': 'public',
  'GET /auth/oidc/start': 'public',
  'GET /auth/oidc/callback': 'public',
  'POST /hooks/*': 'public',
  'GET /api/health': 'public',
  'GET /api/ready': 'read',
  // Prometheus scrapes (metrics/routes.ts): a scraper's own token, or an admin.
  'GET /metrics': 'user_or_metrics:admin',
  'GET /api/me': 'signed_in',

  // The audit trail: read-only, admins only.
  'GET /api/audit': 'admin',
  'GET /api/audit.csv': 'admin',
  // Retention's settings and counts (retention/routes.ts).
  'GET /api/retention': 'admin',
  // People and sign-in (people/routes.ts).
  'POST /auth/password': 'public',
  'GET /auth/invite/:code': 'public',
  'POST /auth/invite': 'public',
  'POST /api/me/setup': 'signed_in',
  'GET /api/me/sessions': 'signed_in',
  'DELETE /api/me/sessions/:id': 'signed_in',
  'GET /api/tokens': 'signed_in',
  'POST /api/tokens': 'signed_in',
  'DELETE /api/tokens/:id': 'signed_in',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'PATCH /api/users/:id': 'admin',

  // Runners.
  'GET /ws/runner': 'runner',
  'POST /api/tools/call': 'user_or_runner:run',
  'POST /api/tools/ask': 'runner',
  'POST /api/tools/git-credential': 'runner',

  // Live updates and the journal.
  'GET /ws': 'read',
  'GET /api/events': 'read',

  // Workflows.
  'GET /api/workflows': 'read',
  'GET /api/workflows/:id': 'read',
  'GET /api/workflows/:id/export': 'read',
  'GET /api/workflows/:id/versions': 'read',
  'GET /api/workflows/:id/versions/:n': 'read',
  'GET /api/workflows/:id/diff': 'read',
  'GET /api/workflows/:id/proposals': 'read',
  'POST /api/workflows/validate': 'read',
  'POST /api/workflows': 'write',
  'PUT /api/workflows/:id': 'write',
  'DELETE /api/workflows/:id': 'write',
  'POST /api/workflows/:id/rollback': 'write',
  'POST /api/workflows/import': 'write',
  'POST /api/workflows/draft': 'write',
  'POST /api/workflows/draft/step': 'write',
  'POST /api/workflows/:id/run': 'run',

  // Executions.
  'GET /api/executions': 'read',
  'GET /api/executions/:id': 'read',
  'POST /api/executions/:id/cancel': 'run',
  'POST /api/executions/:id/rerun': 'run',

  // Fixes of failed runs (fixes/routes.ts): asking for one is a chat message (the chat's own rules apply);
  // applying makes a version, re-running starts a run.
  'POST /api/executions/:id/fixes': 'read',
  'GET /api/executions/:id/fixes': 'read',
  'GET /api/fixes/:id': 'read',
  'POST /api/fixes/:id/apply': 'write',
  'POST /api/fixes/:id/rerun': 'run',

  // Approvals: who may decide a given one is the approval step's rule (approvals/approver-rules.ts).
  'GET /api/approvals': 'read',
  'GET /api/approvals/:id': 'read',
  'POST /api/approvals/:id/decision': 'approve',

  // Chat sessions: anyone may talk to the assistant; what it does for them is checked per tool.
  'GET /api/sessions': 'read',
  'GET /api/sessions/:id': 'read',
  'GET /api/sessions/:id/messages': 'read',
  'POST /api/sessions': 'read',
  'POST /api/sessions/:id/messages': 'read',
  'PATCH /api/sessions/:id': 'read',
  'DELETE /api/sessions/:id': 'read',

  // Triggers.
  'GET /api/triggers': 'read',
  'GET /api/triggers/:key': 'read',
  'GET /api/triggers/:key/deliveries': 'read',
  'GET /api/triggers/:key/deliveries/:deliveryId/payload': 'read',
  'GET /api/triggers/webhook-paths/*': 'read',
  'PUT /api/triggers/:key': 'write',
  'DELETE /api/triggers/:key': 'write',
  'POST /api/triggers/:key/run': 'run',

  // Tools.
  'GET /api/tools': 'read',

  // Integrations and channel conversations.
  'GET /api/integrations': 'read',
  'GET /api/integrations/:name': 'read',
  'POST /api/integrations': 'admin',
  'PATCH /api/integrations/:name': 'admin',
  'DELETE /api/integrations/:name': 'admin',
  'POST /api/integrations/:name/check': 'admin',
  'POST /api/integrations/:name/provision': 'admin',
  'GET /api/conversations': 'read',
  'GET /api/conversations/:id': 'read',
  'PATCH /api/conversations/:id': 'admin',

  // Notifications.
  'GET /api/notifications': 'read',
  'POST /api/notifications/read': 'read',
};

/** The scope a person needs on a route; null when any person will do (or no person may come). */
export function scopeNeeded(permission: RoutePermission): Scope | null {
  if (permission === 'public' || permission === 'signed_in' || permission === 'runner') return null;
  const colon = permission.indexOf(':');
  return (colon === -1 ? permission : permission.slice(colon + 1)) as Scope;
}

export const routeKey = (method: string, url: string) => `${method === 'HEAD' ? 'GET' : method} ${url}`;

/** The permission a registered route needs; undefined for a route nobody declared. */
export function permissionOf(method: string, url: string): RoutePermission | undefined {
  return ROUTE_PERMISSIONS[routeKey(method, url)];
}
