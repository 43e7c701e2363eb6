import http from 'node:http';
import type { Socket } from 'node:net';

/** How a fake answers: normally, as if the credentials were bad, as if it were broken, or not at all. */
export type FakeMode = 'ok' | 'unauthorized' | 'broken' | 'hang';

export type Recorded = { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: any };

export type FakeService = {
  url: string;
  requests: Recorded[];
  mode: FakeMode;
  /** Answers every request left hanging (mode "hang") and stops hanging. */
  release(): void;
  close(): Promise<void>;
};

type Handler = (r: Recorded, fake: FakeService) => { status: number; body: unknown };

async function startFake(handle: Handler, unauthorized: (r: Recorded) => { status: number; body: unknown }): Promise<FakeService> {
  const sockets = new Set<Socket>();
  const hanging = new Set<() => void>();
  const fake: FakeService = {
    url: '',
    requests: [],
    mode: 'ok',
    release() {
      fake.mode = 'ok';
      for (const h of [...hanging]) h();
      hanging.clear();
    },
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        /* form or text */
      }
      const r: Recorded = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body };
      fake.requests.push(r);
      const answer = () => {
        const out =
          fake.mode === 'unauthorized' ? unauthorized(r) : fake.mode === 'broken' ? { status: 503, body: { message: 'upstream is down' } } : handle(r, fake);
        res.writeHead(out.status, { 'content-type': typeof out.body === 'string' ? 'text/plain' : 'application/json' });
        res.end(typeof out.body === 'string' ? out.body : JSON.stringify(out.body));
      };
      if (fake.mode === 'hang') hanging.add(answer);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  fake.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}

export const GITHUB_TOKEN = 'ghp_fake_token_0123456789abcdef';

/** GitHub's REST API as Weft uses it: /user, issues, comments; the token must be GITHUB_TOKEN. */
export function startFakeGithub(): Promise<FakeService> {
  const issues = [
    {
      number: 1,
      title: 'First bug',
      state: 'open',
      body: 'It breaks',
      html_url: 'https://gh.test/o/r/issues/1',
      user: { login: 'ada' },
      labels: [{ name: 'bug' }],
      comments: 0,
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-02T00:00:00Z',
    },
    {
      number: 2,
      title: 'Second',
      state: 'open',
      body: null,
      html_url: 'https://gh.test/o/r/issues/2',
      user: { login: 'bob' },
      labels: [],
      comments: 3,
      created_at: '2025-01-03T00:00:00Z',
      updated_at: '2025-01-03T00:00:00Z',
      pull_request: {},
    },
  ];
  return startFake(
    (r) => {
      if (r.headers.authorization !== `Bearer ${GITHUB_TOKEN}`) return { status: 401, body: { message: 'Bad credentials' } };
      if (r.path === '/user') return { status: 200, body: { login: 'weft-bot' } };
      const m = /^\/repos\/([^/]+)\/([^/]+)\/issues(?:\/(\d+)(\/comments)?)?$/.exec(r.path);
      if (!m) return { status: 404, body: { message: 'Not Found' } };
      if (m[3] === undefined)
        return { status: 200, body: issues.filter((i) => r.query.get('state') === 'all' || i.state === (r.query.get('state') ?? 'open')) };
      const issue = issues.find((i) => i.number === Number(m[3]));
      if (!issue) return { status: 404, body: { message: 'Not Found' } };
      if (m[4] && r.method === 'POST')
        return { status: 201, body: { id: 99, html_url: `${issue.html_url}#issuecomment-99`, created_at: '2025-02-01T00:00:00Z', body: r.body?.body } };
      return { status: 200, body: issue };
    },
    () => ({ status: 401, body: { message: 'Bad credentials' } }),
  );
}

export const SLACK_TOKEN = 'xoxb-fake-slack-token-0123456789';

/** Slack's Web API (auth.test, chat.postMessage, conversations.history) and an incoming webhook at /hooks/good. */
export function startFakeSlack(): Promise<FakeService> {
  const history: Record<string, { ts: string; user?: string; text: string; thread_ts?: string }[]> = {
    C1: [
      { ts: '1735689600.000100', user: 'U1', text: 'Hello team' },
      { ts: '1735689660.000200', user: 'U2', text: 'Reply in thread', thread_ts: '1735689600.000100' },
      { ts: '1735689720.000300', user: 'U3', text: 'Another topic' },
    ],
  };
  return startFake(
    (r) => {
      if (r.path.startsWith('/hooks/good')) return { status: 200, body: 'ok' };
      if (r.path.startsWith('/hooks/')) return { status: 404, body: 'no_service' };
      if (r.headers.authorization !== `Bearer ${SLACK_TOKEN}`) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
      if (r.path === '/api/auth.test') return { status: 200, body: { ok: true, team: 'Weft', user: 'weft-bot' } };
      if (r.path === '/api/chat.postMessage') {
        if (!r.body?.channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        return { status: 200, body: { ok: true, channel: r.body.channel, ts: '1735690000.000900' } };
      }
      if (r.path === '/api/conversations.history') {
        const messages = history[r.query.get('channel') ?? ''];
        if (!messages) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        return { status: 200, body: { ok: true, messages: [...messages].reverse(), has_more: false } };
      }
      return { status: 404, body: 'unknown method' };
    },
    (r) => (r.path.startsWith('/hooks/') ? { status: 403, body: 'invalid_token' } : { status: 200, body: { ok: false, error: 'invalid_auth' } }),
  );
}
