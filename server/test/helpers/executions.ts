import { waitUntil } from './live-client';
import type { TestServer } from './server';

/** Polls the execution until its status is final and answers it as `GET /api/executions/:id` shows it. */
export async function finishedExecution(s: TestServer, id: string): Promise<any> {
  let ex: any;
  await waitUntil(
    async () => {
      ex = (await s.request('GET', `/api/executions/${id}`)).body;
      return ['succeeded', 'failed', 'canceled', 'denied'].includes(ex.status);
    },
    30_000,
    `execution ${id}`,
  );
  return ex;
}
