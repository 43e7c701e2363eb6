import { GatedLink } from '../auth/Gate';
import { PlusIcon } from './icons';

/** The primary "New workflow" action, in page headers and empty states. */
export function NewWorkflowLink() {
  return (
    <GatedLink scope="write" to="/automation/workflows/new" className="btn btn--primary">
      <PlusIcon />
      New workflow
    </GatedLink>
  );
}
