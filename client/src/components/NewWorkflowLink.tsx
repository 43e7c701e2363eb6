import { Link } from 'react-router';
import { PlusIcon } from './icons';

/** The primary "New workflow" action, in page headers and empty states. */
export function NewWorkflowLink() {
  return (
    <Link to="/automation/workflows/new" className="btn btn--primary">
      <PlusIcon />
      New workflow
    </Link>
  );
}
