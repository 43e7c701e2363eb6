import { Link } from 'react-router';
import { PageHeader } from '../components/PageHeader';
import { UnavailablePanel } from '../components/Panels';

export function ChatPage() {
  return (
    <div className="page">
      <title>Chat · Weft</title>
      <PageHeader title="Chat" subtitle="Describe an automation and watch its runs stream in." />
      <UnavailablePanel title="Chat is not available in the web app yet">
        This version of the web app cannot show chat sessions yet. Workflows can already be written and saved under{' '}
        <Link to="/automation/workflows">Workflows</Link>.
      </UnavailablePanel>
    </div>
  );
}

export function NotFoundPage() {
  return (
    <div className="page">
      <title>Not found · Weft</title>
      <div className="panel">
        <p className="panel__title">There is no page here</p>
        <p className="panel__text">The link may be old or mistyped.</p>
        <div className="panel__actions">
          <Link to="/automation/workflows" className="btn">
            Go to workflows
          </Link>
        </div>
      </div>
    </div>
  );
}
