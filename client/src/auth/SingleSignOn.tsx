import { DEFAULT_RETURN_PATH, safeReturnPath } from '@weft/shared';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { fetchAuthOptions } from '../api/auth-options';

/** What the server's single sign-on callback sends back (`/signin?reason=…`); it never says more. */
const REASONS: Record<string, string> = {
  sso: 'Single sign-on did not complete. Try again, or ask whoever runs this server to check its sign-in log.',
  sso_link: 'An account with this email already exists. Sign in with your password, then link single sign-on from your Account page.',
  disabled: 'This account is disabled. Ask an admin of this Weft server to enable it.',
};

/**
 * The "Sign in with single sign-on" button, shown when the server has OpenID Connect set up
 * (`GET /auth/options`). It is a plain link: the browser goes to the provider and back through
 * the server, which then sends it on to `next`.
 */
export function SingleSignOn() {
  const options = useQuery({ queryKey: ['auth-options'], queryFn: ({ signal }) => fetchAuthOptions(signal), retry: false, staleTime: Infinity });
  const [search] = useSearchParams();
  const problem = REASONS[search.get('reason') ?? ''];
  const next = safeReturnPath(search.get('next')) ?? DEFAULT_RETURN_PATH;
  const sso = options.data?.sso;
  return (
    <>
      {problem !== undefined && (
        <div className="alert alert--warn" role="alert">
          <div className="alert__body">{problem}</div>
        </div>
      )}
      {sso?.enabled && (
        <div className="signin__sso">
          <a className="btn btn--primary" href={`/auth/oidc/start?next=${encodeURIComponent(next)}`}>
            Sign in with single sign-on
          </a>
          {sso.label !== null && <span className="field__hint">Through {sso.label}</span>}
        </div>
      )}
    </>
  );
}
