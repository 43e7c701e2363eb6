import { Link } from 'react-router';

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
