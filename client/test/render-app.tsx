import { render } from '@testing-library/react';
import { createMemoryRouter } from 'react-router';
import { createQueryClient } from '../src/api/query-client';
import { App } from '../src/App';
import { routes } from '../src/routes';

/** The real app (routes, auth gate, shell) at `path`, over whatever `fetch` the test installed. */
export function renderApp(path: string) {
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { ...queryClient.getDefaultOptions().queries, retry: false } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const result = render(<App router={router} queryClient={queryClient} />);
  return { ...result, router, queryClient };
}
