import { z } from 'zod';
import { Role, Scope, User } from './people';

/**
 * Request and response shapes of the people routes (docs/api.md, "People and sign-in"): sign-in
 * with a password, invites, the owner's first-start setup, sessions and personal access tokens.
 */

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

export const Password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
export const Email = z.string().trim().max(254).email('must be an email address');
export const PersonName = z.string().trim().min(1, 'must not be empty').max(100);

/** `POST /auth/password`: the password is not checked for length here, a wrong one is just wrong. */
export const PasswordSignInRequest = z.object({ email: z.string().max(254), password: z.string().min(1).max(PASSWORD_MAX_LENGTH) });
export type PasswordSignInRequest = z.infer<typeof PasswordSignInRequest>;

/** `POST /api/me/setup`: the owner's name, email and password after the first-start link. */
export const SetupRequest = z.object({ name: PersonName, email: Email, password: Password });
export type SetupRequest = z.infer<typeof SetupRequest>;

/** `POST /api/users`. */
export const InviteUserRequest = z.object({ name: PersonName, email: Email, role: Role });
export type InviteUserRequest = z.infer<typeof InviteUserRequest>;
export const InviteUserResponse = z.object({ user: User, inviteUrl: z.string() });
export type InviteUserResponse = z.infer<typeof InviteUserResponse>;

export const UsersResponse = z.object({ users: z.array(User) });
export type UsersResponse = z.infer<typeof UsersResponse>;

/** `PATCH /api/users/:id`: at least one field. */
export const UpdateUserRequest = z
  .object({ role: Role.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((body) => body.role !== undefined || body.disabled !== undefined, { message: 'give role or disabled' });
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;
export const UserResponse = z.object({ user: User });
export type UserResponse = z.infer<typeof UserResponse>;

/** `GET /auth/invite/:code`: who the link is for, so the page can greet them. */
export const InviteInfo = z.object({ name: z.string(), email: z.string().nullable() });
export type InviteInfo = z.infer<typeof InviteInfo>;
/** `POST /auth/invite`. */
export const AcceptInviteRequest = z.object({ code: z.string().min(1).max(200), password: Password });
export type AcceptInviteRequest = z.infer<typeof AcceptInviteRequest>;

export const SessionInfo = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
  /** The session this request came with. */
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;
export const SessionsResponse = z.object({ sessions: z.array(SessionInfo) });
export type SessionsResponse = z.infer<typeof SessionsResponse>;

/** `POST /api/tokens`: `expiresAt` an ISO time in the future, or absent for a token that does not expire. */
export const CreateTokenRequest = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  scopes: z.array(Scope).min(1, 'give at least one scope'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;
/** The token itself is in this answer only. */
export const CreateTokenResponse = z.object({ id: z.string(), token: z.string() });
export type CreateTokenResponse = z.infer<typeof CreateTokenResponse>;

export const TokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(Scope),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;
export const TokensResponse = z.object({ tokens: z.array(TokenInfo) });
export type TokensResponse = z.infer<typeof TokensResponse>;
