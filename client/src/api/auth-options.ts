import { AuthOptionsResponse } from '@weft/shared';
import { request } from './http';

/** Public: which ways in the sign-in page offers (single sign-on only when the server is set up for it). */
export function fetchAuthOptions(signal?: AbortSignal): Promise<AuthOptionsResponse> {
  return request('/auth/options', { schema: AuthOptionsResponse, ignoreUnauthorized: true, ...(signal ? { signal } : {}) });
}
