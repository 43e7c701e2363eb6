import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NonRetriableStepError, StepFailedError } from '../../src/engine/errors';
import { MAX_REDIRECTS } from '../../src/net/outbound-client';
import { sendJson, startHttpServer } from '../helpers/http-server';
import { testHttpStep, testNotifyStep, testOutbound } from '../helpers/step-handlers';
import { stepContext } from '../helpers/step-context';

let server: Awaited<ReturnType<typeof startHttpServer>>;
let port: number;
let other: Awaited<ReturnType<typeof startHttpServer>>;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const [path, query] = req.url.split('?');
    const redirect = (status: number, location: string) => {
      res.writeHead(status, { location });
      res.end();
    };
    switch (path) {
      case '/ok':
        return sendJson(res, 200, { method: req.method, body: req.body, auth: req.headers.authorization ?? null, type: req.headers['content-type'] ?? null });
      case '/to-loopback':
        return redirect(302, `http://127.0.0.1:${port}/ok`);
      case '/to-metadata':
        return redirect(302, 'http://169.254.169.254/latest/meta-data/');
      case '/to-nat64':
        return redirect(302, 'http://[2001:db8:64::a9fe:a9fe]/latest/meta-data/');
      case '/to-mapped':
        return redirect(307, `http://[::ffff:127.0.0.1]:${port}/ok`);
      case '/see-other':
        return redirect(303, '/ok');
      case '/temporary':
        return redirect(307, '/ok');
      case '/loop':
        return redirect(302, `/loop?${Number(query ?? 0) + 1}`);
      case '/elsewhere':
        return redirect(Number(query), `${other.url}/echo`);
      case '/echo':
        return sendJson(res, 200, { method: req.method, body: req.body, headers: req.headers });
      case '/same':
        return redirect(Number(query), '/echo');
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  port = Number(new URL(server.url).port);
  // Another origin: the same address, another port.
  other = await startHttpServer((req, res) => sendJson(res, 200, { method: req.method, body: req.body, headers: req.headers }));
});
afterAll(async () => {
  await server.close();
  await other.close();
});
beforeEach(() => {
  server.requests.length = 0;
  other.requests.length = 0;
});

const http = (url: string, extra: Record<string, unknown> = {}) => ({ id: 'call', type: 'http' as const, method: 'GET' as const, url, ...extra });

async function refusal(promise: Promise<unknown>): Promise<NonRetriableStepError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NonRetriableStepError);
  expect(error).toMatchObject({ code: 'http_address_refused' });
  return error as NonRetriableStepError;
}

describe('http step address policy', () => {
  describe('by default', () => {
    const step = testHttpStep(testOutbound());

    it('refuses a loopback address: a non-retriable failure naming the address and WEFT_HTTP_ALLOW, and nothing is sent', async () => {
      const error = await refusal(step.run(stepContext(), http(`http://127.0.0.1:${port}/ok`)));
      expect(error.message).toBe(
        'refused to connect to 127.0.0.1: loopback addresses are refused for requests made by workflows; add it to WEFT_HTTP_ALLOW on the runner to allow it',
      );
      expect(server.requests).toEqual([]);
    });

    it('refuses a host name that resolves to loopback', async () => {
      const error = await refusal(step.run(stepContext(), http(`http://localhost:${port}/ok`)));
      expect(error.message).toMatch(/^refused to connect to localhost \((127\.0\.0\.1|::1)\): loopback addresses/);
      expect(server.requests).toEqual([]);
    });

    it.each([
      ['decimal', `http://2130706433:PORT/ok`],
      ['hex', `http://0x7f.1:PORT/ok`],
      ['octal', `http://0177.0.0.1:PORT/ok`],
      ['IPv4-mapped IPv6', `http://[::ffff:127.0.0.1]:PORT/ok`],
      ['0.0.0.0', `http://0.0.0.0:PORT/ok`],
      ['[::]', `http://[::]:PORT/ok`],
      ['[::1]', `http://[::1]:PORT/ok`],
      ['a templated URL', '{{ inputs.target }}'],
    ])('refuses loopback written as %s', async (_form, url) => {
      const ctx = stepContext({ scope: { inputs: { target: `http://127.1:${port}/ok` }, steps: {}, trigger: null } });
      await refusal(step.run(ctx, http(url.replace('PORT', String(port)))));
      expect(server.requests).toEqual([]);
    });

    it('refuses the metadata address', async () => {
      const error = await refusal(step.run(stepContext(), http('http://169.254.169.254/latest/meta-data/')));
      expect(error.message).toContain('169.254.169.254: cloud metadata addresses are refused');
    });

    it.each([
      ['AWS metadata over IPv6', 'http://[fd00:ec2::254]/latest/meta-data/', 'cloud metadata addresses'],
      ['Alibaba Cloud metadata', 'http://100.100.100.200/latest/meta-data/', 'cloud metadata addresses'],
      ['metadata through NAT64', 'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/', 'it carries the IPv4 address 169.254.169.254, and cloud metadata'],
      ['metadata through local-use NAT64', 'http://[64:ff9b:1::a9fe:a9fe]/', 'it carries the IPv4 address 169.254.169.254, and cloud metadata'],
      ['metadata through 6to4', 'http://[2002:a9fe:a9fe::1]/', 'it carries the IPv4 address 169.254.169.254, and cloud metadata'],
      ['loopback written IPv4-compatible', 'http://[::127.0.0.1]:PORT/ok', 'it carries the IPv4 address 127.0.0.1, and loopback'],
    ])('refuses %s before connecting', async (_what, url, reason) => {
      const error = await refusal(step.run(stepContext(), http(url.replace('PORT', String(port)))));
      expect(error.message).toContain(reason);
      expect(server.requests).toEqual([]);
    });

    it('refuses a notify webhook to loopback once, without the retry a network error gets', async () => {
      const notify = testNotifyStep(testOutbound());
      const error = await refusal(
        notify.run(stepContext(), { id: 'ping', type: 'notify', message: 'x', channel: { webhookUrl: `http://localhost:${port}/ok` } }),
      );
      expect(error.message).toContain('WEFT_HTTP_ALLOW');
      expect(server.requests).toEqual([]);
    });
  });

  describe('WEFT_HTTP_ALLOW with a host', () => {
    const step = testHttpStep(testOutbound({ allow: 'localhost' }));

    it('opens that host', async () => {
      const output = await step.run(stepContext(), http(`http://localhost:${port}/ok`));
      expect(output).toMatchObject({ status: 200, body: { method: 'GET' } });
    });

    it('still refuses a redirect from it to 127.0.0.1, at the hop', async () => {
      const error = await refusal(step.run(stepContext(), http(`http://localhost:${port}/to-loopback`)));
      expect(error.message).toContain('refused to connect to 127.0.0.1');
      expect(server.requests.map((r) => r.url)).toEqual(['/to-loopback']);
    });

    it('still refuses a redirect from it to the metadata address, at the hop', async () => {
      const error = await refusal(step.run(stepContext(), http(`http://localhost:${port}/to-metadata`)));
      expect(error.message).toContain('169.254.169.254');
      expect(server.requests.map((r) => r.url)).toEqual(['/to-metadata']);
    });

    it('still refuses a redirect to IPv4-mapped loopback', async () => {
      await refusal(step.run(stepContext(), http(`http://localhost:${port}/to-mapped`)));
      expect(server.requests.map((r) => r.url)).toEqual(['/to-mapped']);
    });
  });

  describe('WEFT_HTTP_ALLOW with a CIDR range', () => {
    const step = testHttpStep(testOutbound({ allow: '127.0.0.0/8,localhost' }));

    it('opens the range, redirects into it included', async () => {
      expect(await step.run(stepContext(), http(`http://127.0.0.1:${port}/ok`))).toMatchObject({ status: 200 });
      expect(await step.run(stepContext(), http(`http://localhost:${port}/to-loopback`))).toMatchObject({ status: 200, body: { method: 'GET' } });
      expect(server.requests.map((r) => r.url)).toEqual(['/ok', '/to-loopback', '/ok']);
    });

    it('follows redirects with fetch rules: 303 turns a POST into a bodiless GET, 307 keeps both', async () => {
      const post = { method: 'POST' as const, body: { a: 1 } };
      const seeOther = await step.run(stepContext(), http(`http://127.0.0.1:${port}/see-other`, post));
      expect(seeOther).toMatchObject({ status: 200, body: { method: 'GET', body: '', type: null } });
      const temporary = await step.run(stepContext(), http(`http://127.0.0.1:${port}/temporary`, post));
      expect(temporary).toMatchObject({ status: 200, body: { method: 'POST', body: '{"a":1}', type: 'application/json' } });
    });

    it('drops the Authorization header on a redirect to another origin', async () => {
      const output = await step.run(stepContext(), http(`http://localhost:${port}/to-loopback`, { headers: { Authorization: 'Bearer secret' } }));
      expect(output).toMatchObject({ body: { auth: null } });
      expect(server.requests[0]!.headers.authorization).toBe('Bearer secret');
    });

    const secrets = {
      'X-Api-Key': 'k3y',
      Authorization: 'Bearer secret',
      Cookie: 'session=1',
      'X-Custom': 'c',
      Accept: 'application/json',
      'User-Agent': 'weft-test',
    };

    it.each([301, 302, 303, 307, 308])('on a %i to another origin, sends only the safe headers', async (status) => {
      const output = await step.run(stepContext(), http(`http://127.0.0.1:${port}/elsewhere?${status}`, { headers: secrets }));
      expect(output).toMatchObject({ status: 200, body: { method: 'GET' } });
      expect(server.requests[0]!.headers['x-api-key']).toBe('k3y');
      const sent = other.requests[0]!.headers;
      expect(sent).toMatchObject({ accept: 'application/json', 'user-agent': 'weft-test' });
      for (const name of ['x-api-key', 'authorization', 'cookie', 'x-custom']) expect(sent[name], name).toBeUndefined();
    });

    it.each([307, 308])('refuses a %i that would send a POST body to another origin, sending nothing there', async (status) => {
      const failure = step.run(stepContext(), http(`http://127.0.0.1:${port}/elsewhere?${status}`, { method: 'POST', body: { secret: 1 }, headers: secrets }));
      await expect(failure).rejects.toBeInstanceOf(NonRetriableStepError);
      await expect(failure).rejects.toMatchObject({ code: 'http_redirect_refused' });
      await expect(failure).rejects.toThrow(`redirect to http://127.0.0.1:${new URL(other.url).port}: the request body is not sent to another origin`);
      expect(other.requests).toEqual([]);
    });

    it.each([301, 302, 303])(
      'turns a POST into a bodiless GET on a %i, without the body headers, and keeps its own headers on the same origin',
      async (status) => {
        const output = await step.run(stepContext(), http(`http://127.0.0.1:${port}/same?${status}`, { method: 'POST', body: { a: 1 }, headers: secrets }));
        const body = (output as { body: { method: string; body: string; headers: Record<string, string> } }).body;
        expect(body).toMatchObject({ method: 'GET', body: '' });
        expect(body.headers['content-type']).toBeUndefined();
        expect(body.headers['x-api-key']).toBe('k3y');
      },
    );

    it.each([307, 308])('keeps method, body and headers on a %i to the same origin', async (status) => {
      const output = await step.run(stepContext(), http(`http://127.0.0.1:${port}/same?${status}`, { method: 'PUT', body: { a: 1 }, headers: secrets }));
      const body = (output as { body: { method: string; body: string; headers: Record<string, string> } }).body;
      expect(body).toMatchObject({ method: 'PUT', body: '{"a":1}', headers: { 'x-api-key': 'k3y', 'content-type': 'application/json' } });
    });

    it('refuses a webhook whose POST is redirected to another origin', async () => {
      const notify = testNotifyStep(testOutbound({ allow: '127.0.0.0/8' }));
      const failure = notify.run(stepContext(), {
        id: 'ping',
        type: 'notify',
        message: 'x',
        channel: { webhookUrl: `http://127.0.0.1:${port}/elsewhere?307` },
      });
      await expect(failure).rejects.toMatchObject({ code: 'http_redirect_refused' });
      expect(server.requests).toHaveLength(1);
      expect(other.requests).toEqual([]);
    });

    it(`stops after ${MAX_REDIRECTS} redirects`, async () => {
      const failure = step.run(stepContext(), http(`http://127.0.0.1:${port}/loop`));
      await expect(failure).rejects.toBeInstanceOf(StepFailedError);
      await expect(failure).rejects.toThrow('redirect count exceeded');
      expect(server.requests).toHaveLength(MAX_REDIRECTS + 1);
    });
  });

  describe('WEFT_OUTBOUND_NAT64_PREFIXES', () => {
    const step = testHttpStep(testOutbound({ nat64Prefixes: '2001:db8:64::/96,2001:db8:122::/48' }));

    it.each([
      ['metadata in a /96 prefix', 'http://[2001:db8:64::a9fe:a9fe]/latest/meta-data/', '169.254.169.254, and cloud metadata'],
      ['loopback in a /96 prefix', 'http://[2001:db8:64::7f00:1]:PORT/ok', '127.0.0.1, and loopback'],
      ['metadata in a /48 prefix (around the u octet)', 'http://[2001:db8:122:a9fe:a9:fe00::]/', '169.254.169.254, and cloud metadata'],
      ['loopback in a /48 prefix (around the u octet)', 'http://[2001:db8:122:7f00:0:100::]:PORT/ok', '127.0.0.1, and loopback'],
    ])('refuses %s before connecting', async (_what, url, reason) => {
      const error = await refusal(step.run(stepContext(), http(url.replace('PORT', String(port)))));
      expect(error.message).toContain(`it carries the IPv4 address ${reason}`);
      expect(server.requests).toEqual([]);
    });

    it('refuses a redirect into the prefix, at the hop', async () => {
      const viaLocal = testHttpStep(testOutbound({ allow: '127.0.0.1', nat64Prefixes: '2001:db8:64::/96' }));
      const error = await refusal(viaLocal.run(stepContext(), http(`http://127.0.0.1:${port}/to-nat64`)));
      expect(error.message).toContain('2001:db8:64::a9fe:a9fe');
      expect(error.message).toContain('it carries the IPv4 address 169.254.169.254, and cloud metadata');
      expect(server.requests.map((r) => r.url)).toEqual(['/to-nat64']);
    });
  });

  describe('WEFT_HTTP_DENY_PRIVATE=1', () => {
    const step = testHttpStep(testOutbound({ denyPrivate: true }));

    it.each(['10.1.2.3', '192.168.0.1', '172.16.0.1', '[fd00::1]'])('refuses %s before connecting, naming the setting', async (host) => {
      const error = await refusal(step.run(stepContext(), http(`http://${host}/`)));
      expect(error.message).toContain('private addresses are refused because WEFT_HTTP_DENY_PRIVATE=1');
      expect(error.message).toContain(host.replace(/[[\]]/g, ''));
    });
  });
});
