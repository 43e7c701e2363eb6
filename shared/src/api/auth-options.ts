import { z } from 'zod';

/** `GET /auth/options` (public): which ways in the sign-in page offers. */
export const AuthOptionsResponse = z.object({
  password: z.boolean(),
  /** Single sign-on with OpenID Connect; `label` names the provider (its host). */
  sso: z.object({ enabled: z.boolean(), label: z.string().nullable() }),
});
export type AuthOptionsResponse = z.infer<typeof AuthOptionsResponse>;
