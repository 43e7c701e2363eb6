import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * A TCP forwarder in front of a server that a test can shut and reopen on the same port: shut, its
 * connections are cut and new ones refused (as by a stopped PostgreSQL); reopened, it forwards again.
 * It runs on its own thread: PgDatabase blocks the test's thread while its worker connects.
 */
export type TcpGate = { port: number; shut(): Promise<void>; reopen(): Promise<void>; close(): Promise<void> };

const GATE = `
const net = require('node:net');
const { parentPort, workerData: target } = require('node:worker_threads');
const sockets = new Set();
const server = net.createServer((client) => {
  const upstream = net.connect(target.port, target.host);
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => { client.destroy(); upstream.destroy(); });
  }
  client.pipe(upstream).pipe(client);
});
let port = 0;
const answer = (error) => parentPort.postMessage({ port, error: error ? error.message : undefined });
const listen = () => {
  server.once('error', answer);
  server.listen(port, '127.0.0.1', () => { server.off('error', answer); port = server.address().port; answer(); });
};
parentPort.on('message', (command) => {
  if (command === 'reopen') return listen();
  if (!server.listening) return answer();
  server.close(() => answer());
  for (const s of sockets) s.destroy();
});
listen();
`;

export async function startTcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  const worker = new Worker(GATE, { eval: true, workerData: target });
  const reply = async () => {
    const [message] = (await once(worker, 'message')) as [{ port: number; error?: string }];
    if (message.error) throw new Error(`tcp gate: ${message.error}`);
    return message;
  };
  const { port } = await reply();
  const send = async (command: 'shut' | 'reopen') => {
    const answered = reply();
    worker.postMessage(command);
    await answered;
  };
  return {
    port,
    shut: () => send('shut'),
    reopen: () => send('reopen'),
    async close() {
      await send('shut');
      await worker.terminate();
    },
  };
}
