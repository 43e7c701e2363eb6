import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { fetchAuthOptions } from '../api/auth-options';
import { useMe } from '../auth/use-can';

/**
 * Links this account to the server's single sign-on, from a signed-in browser: the only way an
 * existing account gains one (a provider's email claim never takes an account over). A plain
 * link: the browser goes to the provider and back through the server.
 */
export function SingleSignOnSection() {
  const me = useMe();
  const options = useQuery({ queryKey: ['auth-options'], queryFn: ({ signal }) => fetchAuthOptions(signal), retry: false, staleTime: Infinity });
  const [search] = useSearchParams();
  const sso = options.data?.sso;
  if (!sso?.enabled || me === undefined) return null;
  const provider = sso.label ?? 'the single sign-on provider';
  return (
    <section className="people-section" aria-labelledby="sso-heading">
      <h2 id="sso-heading">Single sign-on</h2>
      {search.get('sso') === 'refused' && (
        <div className="alert alert--warn" role="alert">
          <div className="alert__body">That provider account is already linked to another person, or this account to another provider account.</div>
        </div>
      )}
      {me.ssoLinked ? (
        <p className="muted">This account is linked to {provider}: you can sign in through it.</p>
      ) : me.via !== 'session' ? (
        <p className="muted">Sign in from a browser to link this account to {provider}.</p>
      ) : (
        <>
          <p className="muted">Link this account to {provider} to sign in through it as well as with your password.</p>
          <a className="btn" href={`/auth/oidc/start?link=1&next=${encodeURIComponent('/account')}`}>
            Link single sign-on
          </a>
        </>
      )}
    </section>
  );
}
