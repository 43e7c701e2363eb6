import { Role, type User } from '@weft/shared';
import type { Clock } from '../clock';
import type { Db } from '../db/open';

export type UserRow = {
  id: string;
  name: string;
  email: string | null;
  role: string;
  password_hash: string | null;
  oidc_subject: string | null;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
  last_sign_in_at: number | null;
};

/** The owner's id: the first start's row (migration 016), also the access token's person. */
export const OWNER_ID = 'owner';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API's view of a row: never the password hash or the SSO subject. */
export function userView(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: Role.parse(row.role),
    disabled: row.disabled_at !== null,
    hasPassword: row.password_hash !== null,
    createdAt: new Date(row.created_at).toISOString(),
    lastSignInAt: iso(row.last_sign_in_at),
  };
}

export type UsersStore = ReturnType<typeof createUsersStore>;

export function createUsersStore({ db, clock }: { db: Db; clock: Clock }) {
  const stmts = {
    get: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    byEmail: db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?'),
    list: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, id'),
  };
  const now = () => clock.now().getTime();
  return {
    now,
    get: (id: string): UserRow | undefined => stmts.get.get(id),
    byEmail: (email: string): UserRow | undefined => stmts.byEmail.get(email),
    list: (): UserRow[] => stmts.list.all(),
  };
}
