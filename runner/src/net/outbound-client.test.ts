import { describe, expect, it } from 'vitest';
import { followRedirects, RedirectRefusedError, type OutboundRequest } from './outbound-client';

/** Answers each URL from `routes` (a status and a location), 200 for the rest; records what was sent. */
function fakeSend(routes: Record<string, [number, string]>) {
  const sent: { url: string; request: OutboundRequest }[] = [];
  const send = async (url: string, request: OutboundRequest) => {
    sent.push({ url, request });
    const [status, location] = routes[url] ?? [200, null];
    return { status, headers: { get: (name: string) => (name === 'location' ? location : null) }, body: null };
  };
  return { send, sent };
}

const post: OutboundRequest = { method: 'POST', headers: { 'x-api-key': 'k3y', 'content-type': 'application/json', accept: '*/*' }, body: '{"a":1}' };

describe('followRedirects', () => {
  it.each([301, 302, 303, 307, 308])('refuses a %i from https to http, naming the target, and sends nothing there', async (status) => {
    const { send, sent } = fakeSend({ 'https://api.example/start': [status, 'http://api.example/next'] });
    const failure = followRedirects({ url: 'https://api.example/start', init: { method: 'GET', headers: { 'x-api-key': 'k3y' } }, send });
    await expect(failure).rejects.toBeInstanceOf(RedirectRefusedError);
    await expect(failure).rejects.toThrow(`refused to follow the ${status} redirect from https to http://api.example: it would send the request unencrypted`);
    expect(sent.map((s) => s.url)).toEqual(['https://api.example/start']);
  });

  it('refuses a scheme other than http(s) and a location that is no URL', async () => {
    await expect(
      followRedirects({ url: 'http://a.example/', init: post, send: fakeSend({ 'http://a.example/': [302, 'file:///etc/passwd'] }).send }),
    ).rejects.toThrow('refused to follow the 302 redirect to file: (only http and https URLs are followed)');
    await expect(followRedirects({ url: 'http://a.example/', init: post, send: fakeSend({ 'http://a.example/': [302, 'http://[::1'] }).send })).rejects.toThrow(
      'is not a URL',
    );
  });

  it('goes from http to https, and to another origin with the safe headers only', async () => {
    const { send, sent } = fakeSend({ 'http://a.example/': [301, 'https://a.example/x'], 'https://a.example/x': [302, 'https://b.example/y'] });
    const response = await followRedirects({ url: 'http://a.example/', init: { method: 'GET', headers: { 'x-api-key': 'k3y', accept: '*/*' } }, send });
    expect(response.status).toBe(200);
    expect(sent.map((s) => [s.url, s.request.headers])).toEqual([
      ['http://a.example/', { 'x-api-key': 'k3y', accept: '*/*' }],
      // http to https on one host is another origin too.
      ['https://a.example/x', { accept: '*/*' }],
      ['https://b.example/y', { accept: '*/*' }],
    ]);
  });

  it('keeps a 307 body on the same origin, drops it with its headers on a 303, and keeps HEAD a HEAD', async () => {
    const { send, sent } = fakeSend({ 'http://a.example/1': [307, '/2'], 'http://a.example/2': [303, '/3'] });
    await followRedirects({ url: 'http://a.example/1', init: post, send });
    expect(sent.map((s) => s.request)).toEqual([post, post, { method: 'GET', headers: { 'x-api-key': 'k3y', accept: '*/*' } }]);
    const head = fakeSend({ 'http://a.example/1': [302, '/2'] });
    await followRedirects({ url: 'http://a.example/1', init: { method: 'HEAD', headers: {} }, send: head.send });
    expect(head.sent[1]!.request.method).toBe('HEAD');
  });

  it('returns a redirect status without a location as it is', async () => {
    const { send } = fakeSend({ 'http://a.example/': [302, null as unknown as string] });
    expect((await followRedirects({ url: 'http://a.example/', init: post, send })).status).toBe(302);
  });
});
