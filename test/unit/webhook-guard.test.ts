import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '#shared/webhooks/deliveries.ts';
import { type AddressClass, classify, type Resolver, vetUrl } from '#shared/webhooks/guard.ts';
import { maxRetryAfterMs, nextDelayMs, retrySchedule } from '#shared/webhooks/schedule.ts';
import { post, retryAfterOf } from '#shared/webhooks/send.ts';

/** A resolver that answers from a table and never asks the network. */
const stub =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('the address classifier', () => {
  const cases: Array<[string, AddressClass]> = [
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.216.34', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['169.254.0.1', 'link_local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4009:81f::200e', 'public'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv4 inside IPv6: mapped, NAT64 and 6to4 are what their IPv4 address is.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:100.64.1.1', 'shared'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['2002:c0a8:0101::1', 'private'],
    ['2002:0808:0808::1', 'public'],
    ['[::1]', 'loopback'],
    ['example.com', 'invalid'],
    ['999.1.1.1', 'invalid'],
  ];
  it.each(cases)('classifies %s as %s', (address, expected) => {
    expect(classify(address)).toBe(expected);
  });
});

describe('the URL decision, with a stubbed resolver', () => {
  const resolve = stub({
    'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'mixed.example.com': ['93.184.216.34', '10.0.0.5'],
    'mixed6.example.com': ['93.184.216.34', 'fd00::5'],
    'metadata.example.com': ['169.254.169.254'],
    'mapped.example.com': ['::ffff:192.168.0.10'],
    'rebind.example.com': ['127.0.0.1'],
    localhost: ['127.0.0.1', '::1'],
  });
  const refused = (url: string, allowLoopback = false) =>
    expect(vetUrl(url, { resolve, allowLoopback })).rejects.toMatchObject({ code: 'webhook.url_refused', status: 400 });

  it('accepts an https URL whose every address is public, and connects to the first', async () => {
    const vetted = await vetUrl('https://hooks.example.com/fieldops?x=1', { resolve, allowLoopback: false });
    expect(vetted).toMatchObject({ host: 'hooks.example.com', address: '93.184.216.34', family: 4 });
  });

  it('refuses a name with any address that is not public, however many are', async () => {
    await refused('https://mixed.example.com/');
    await refused('https://mixed6.example.com/');
    await refused('https://metadata.example.com/latest/meta-data/');
    await refused('https://mapped.example.com/');
  });

  it('refuses private, link-local and loopback literals, in every spelling the URL parser accepts', async () => {
    for (const url of [
      'https://10.0.0.1/',
      'https://169.254.169.254/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[fd00::1]/',
      'https://2130706433/',
      'https://0x7f.0.0.1/',
      'https://0/',
      'https://100.64.0.1/',
    ]) {
      await refused(url);
    }
  });

  it('refuses a name resolving to loopback unless loopback is allowed, and plain http but to loopback', async () => {
    await refused('https://rebind.example.com/');
    await refused('http://localhost:8080/');
    await expect(vetUrl('http://localhost:8080/', { resolve, allowLoopback: true })).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    await expect(vetUrl('http://127.0.0.1:9/', { resolve, allowLoopback: true })).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    // Loopback allowed is not private allowed, nor http to anywhere else.
    await refused('http://10.0.0.1/', true);
    await refused('http://hooks.example.com/', true);
  });

  it('refuses what is not an https URL of a resolvable host without credentials', async () => {
    await refused('not a url');
    await refused('ftp://hooks.example.com/');
    await refused('file:///etc/passwd');
    await refused('https://user:secret@hooks.example.com/');
    await refused('https://unknown.example.com/');
    await refused(`https://hooks.example.com/${'a'.repeat(2_000)}`);
  });
});

describe('an attempt on the wire, to a receiver on 127.0.0.1 only', () => {
  let server: Server;
  let port: number;
  const seen: Array<{ host?: string; url?: string; body: string; headers: IncomingMessage['headers'] }> = [];
  let answer: (res: import('node:http').ServerResponse) => void = (res) => res.end('ok');
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ host: req.headers.host, url: req.url, body, headers: req.headers });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('connects to the vetted address, naming the host the URL names, and signs per the specification', async () => {
    const resolve = stub({ 'receiver.test': ['127.0.0.1'] });
    const target = await vetUrl(`http://receiver.test:${port}/hook?a=1`, { resolve, allowLoopback: true });
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const old = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const body = JSON.stringify({ type: 'workorder.logged', timestamp: '2026-01-01T00:00:00.000Z', data: {} });
    const at = new Date();
    const result = await post(target, body, signedHeaders('msg_01TEST', [secret, old], body, at));
    expect(result).toMatchObject({ status: 200, excerpt: 'ok' });
    const received = seen.at(-1);
    expect(received).toMatchObject({ host: `receiver.test:${port}`, url: '/hook?a=1', body });
    expect(received?.headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    const signatures = String(received?.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    for (const key of [secret, old]) {
      expect(new Webhook(key).verify(body, received?.headers as Record<string, string>)).toEqual(JSON.parse(body));
    }
  });

  it('never follows a redirect, reads at most 64 KB of an answer and gives up after its timeout', async () => {
    const target = await vetUrl(`http://127.0.0.1:${port}/`, { allowLoopback: true });
    answer = (res) => res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
    const before = seen.length;
    expect(await post(target, '{}', {})).toMatchObject({ status: 302 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.slice(before).map((r) => r.url)).toEqual(['/']);

    answer = (res) => {
      res.writeHead(200);
      const chunk = 'x'.repeat(16 * 1024);
      const write = () => {
        if (!res.destroyed && res.write(chunk)) setImmediate(write);
        else if (!res.destroyed) res.once('drain', write);
      };
      write();
    };
    const endless = await post(target, '{}', {});
    expect(endless.status).toBe(200);
    expect(endless.excerpt).toHaveLength(500);

    answer = () => {};
    const slow = await post(target, '{}', {}, { timeoutMs: 200 });
    expect(slow).toMatchObject({ error: 'timed out after 0.2 s' });
    expect(slow.status).toBeUndefined();
  });
});

describe('the retry schedule', () => {
  it('follows the specification, jittered by at most a tenth, and ends', () => {
    expect(retrySchedule.map((ms) => ms / 1000)).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(nextDelayMs(1, { random: () => 0 })).toBe(4_500);
    expect(nextDelayMs(1, { random: () => 1 })).toBe(5_500);
    expect(nextDelayMs(2, { random: () => 0.5 })).toBe(300_000);
    expect(retrySchedule.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThan(24 * 3_600_000);
    expect(nextDelayMs(retrySchedule.length, { random: () => 0.5 })).toBeUndefined();
  });

  it('waits as long as a receiver’s Retry-After asks, when that is longer, up to a day', () => {
    const half = () => 0.5;
    expect(nextDelayMs(1, { random: half, retryAfterMs: 120_000 })).toBe(120_000);
    expect(nextDelayMs(2, { random: half, retryAfterMs: 120_000 })).toBe(300_000);
    expect(nextDelayMs(1, { random: half, retryAfterMs: 30 * 86_400_000 })).toBe(maxRetryAfterMs);
    // A spent schedule stays spent, whatever the receiver asks.
    expect(nextDelayMs(retrySchedule.length, { random: half, retryAfterMs: 1_000 })).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date, on a 429 or a 503 only', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(retryAfterOf(503, '120', now)).toBe(120_000);
    expect(retryAfterOf(429, ' 0 ', now)).toBe(0);
    expect(retryAfterOf(503, 'Wed, 02 Dec 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(retryAfterOf(503, 'Wed, 02 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterOf(500, '120', now)).toBeUndefined();
    expect(retryAfterOf(503, 'soon', now)).toBeUndefined();
    expect(retryAfterOf(503, '-5', now)).toBeUndefined();
    expect(retryAfterOf(503, undefined, now)).toBeUndefined();
  });
});
