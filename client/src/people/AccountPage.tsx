import './people.css';
import { PageHeader } from '../components/PageHeader';
import { useMe } from '../auth/use-can';
import { SessionsSection } from './SessionsSection';
import { SingleSignOnSection } from './SingleSignOnSection';
import { TokensSection } from './TokensSection';

/** `/account`: who you are, where you are signed in, and your tokens. */
export function AccountPage() {
  const me = useMe();
  return (
    <div className="page">
      <title>Account · Weft</title>
      <PageHeader title="Account" subtitle={me ? `${me.name}${me.email ? ` · ${me.email}` : ''} · ${me.role}` : undefined} />
      <SingleSignOnSection />
      <SessionsSection />
      <TokensSection />
    </div>
  );
}
