import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '#shared/db/service.ts';
import { getDelivery } from '#shared/db/webhooks.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

/** Long enough for a busy machine: every wait is for a condition. */
const patience = 60_000;

/** What the receiver on 127.0.0.1 was sent: every request, as it came. */
interface Received {
  path: string;
  id: string;
  headers: Record<string, string>;
  body: string;
  json: any;
  status: number;
}

/** How a path of the receiver answers the nth request bearing a webhook-id (1-based). */
type Behaviour = (nth: number) => { status: number; headers?: Record<string, string> };

let api: LocalApi;
let admin: string;
let server: Server;
let base: string;
const received: Received[] = [];
const behaviours = new Map<string, Behaviour>();
const seenCount = new Map<string, number>();
/** The receiving application: what it acted on, deduplicated by webhook-id, per path. */
const applied = new Map<string, Map<string, number>>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      const id = String(req.headers['webhook-id']);
      const key = `${path} ${id}`;
      const nth = (seenCount.get(key) ?? 0) + 1;
      seenCount.set(key, nth);
      const answer = (behaviours.get(path) ?? ((): ReturnType<Behaviour> => ({ status: 200 })))(nth);
      const json = body ? JSON.parse(body) : undefined;
      received.push({ path, id, headers: req.headers as Record<string, string>, body, json, status: answer.status });
      if (answer.status >= 200 && answer.status < 300) {
        const seen = applied.get(path) ?? new Map<string, number>();
        // The application dedupes by webhook-id, as the specification asks of receivers.
        if (!seen.has(id)) seen.set(id, 1);
        applied.set(path, seen);
      }
      res.writeHead(answer.status, answer.headers).end(answer.status < 300 ? 'thanks' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The local server may send to this loopback receiver; the retry schedule runs at a thousandth of its pace.
  process.env.FIELDOPS_WEBHOOKS_ALLOW_LOOPBACK = '1';
  process.env.FIELDOPS_WEBHOOKS_RETRY_SCALE = '0.001';
  api = await startLocalApi({ webhooks: true, notifications: true });
  admin = await api.token({ role: 'admin' });
});
afterAll(async () => {
  await api?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  delete process.env.FIELDOPS_WEBHOOKS_ALLOW_LOOPBACK;
  delete process.env.FIELDOPS_WEBHOOKS_RETRY_SCALE;
});

async function until<T>(what: string, read: () => T | Promise<T>, holds: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + patience;
  let value = await read();
  while (!holds(value)) {
    if (Date.now() > deadline) throw new Error(`${what} never held; last: ${JSON.stringify(value)?.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

async function subscribe(path: string, extra: Record<string, unknown> = {}) {
  const reply = await api.call('POST', '/v1/webhooks', { token: admin, body: { url: `${base}${path}`, ...extra } });
  expect(reply.status).toBe(201);
  return reply.body as { id: string; secret: string; url: string; eventTypes?: string[]; enabled: boolean };
}

/** What a path received about a work order. */
const about = (path: string, workOrderId: string) =>
  received.filter((r) => r.path === path && r.json?.data?.workOrderId === workOrderId);

/** The work order's events in the feed, once it has been dispatched (its events then wait for the engineer). */
async function jobEvents(workOrderId: string) {
  await api.waitFor(workOrderId, (w) => w.status === 'dispatched', patience);
  const feed = await api.feedUntil(undefined, (items) =>
    items.some((e) => e.workOrderId === workOrderId && e.data?.to === 'dispatched'),
  );
  return feed.items.filter((e) => e.workOrderId === workOrderId);
}

async function deliveriesOf(webhookId: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const reply = await api.call(
      'GET',
      `/v1/webhooks/${webhookId}/deliveries?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token: admin },
    );
    expect(reply.status).toBe(200);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

describe('outgoing webhooks, through the embedded default', () => {
  it('sends every event of a job, signed per Standard Webhooks, once each, and retries a failing receiver until it takes them', async () => {
    const all = await subscribe('/hooks/all', { description: 'The CRM' });
    expect(all.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(all).toMatchObject({ enabled: true, url: `${base}/hooks/all` });
    expect(all.eventTypes).toBeUndefined();
    const logged = await subscribe('/hooks/logged', { eventTypes: ['workorder.logged'] });
    const flaky = await subscribe('/hooks/flaky');
    // The flaky receiver answers 500 twice for each message, then takes it.
    behaviours.set('/hooks/flaky', (nth) => ({ status: nth <= 2 ? 500 : 204 }));

    // The secret is shown once: never by a read or a list.
    const read = await api.call('GET', `/v1/webhooks/${all.id}`, { token: admin });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(JSON.stringify(read.body)).not.toContain(all.secret.slice(6, 20));
    const listed = await api.call('GET', '/v1/webhooks', { token: admin });
    expect(listed.body.items.map((w: any) => w.id)).toEqual(expect.arrayContaining([all.id, logged.id, flaky.id]));
    expect(JSON.stringify(listed.body)).not.toMatch(/whsec_|secret/);

    const id = await api.request('cus_okafor', 'webhooks-okafor-1', {
      siteId: 'site_didsbury',
      category: 'boiler_breakdown',
      description: 'No heating since this morning',
      contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com', phone: '07700 900123' },
      source: 'web',
    });
    const events = await jobEvents(id);
    const eventIds = events.map((e) => `msg_${e.cursor}`);
    expect(new Set(events.map((e) => e.type))).toContain('workorder.logged');

    // Every event of the job, each under its own webhook-id, verified with the subscription's secret.
    const sent = await until(
      'every event sent to the catch-all subscription',
      () => about('/hooks/all', id),
      (items) => eventIds.every((m) => items.some((r) => r.id === m)),
    );
    for (const r of sent) {
      expect(new Webhook(all.secret).verify(r.body, r.headers)).toEqual(r.json);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      const event = events.find((e) => `msg_${e.cursor}` === r.id);
      if (event) expect(r.json).toEqual({ type: event.type, timestamp: event.at, data: event });
    }
    expect(new Set(sent.map((r) => r.json.type))).toEqual(new Set(events.map((e) => e.type)));
    // A receiver that takes each message at once gets each once.
    for (const m of eventIds) expect(sent.filter((r) => r.id === m)).toHaveLength(1);
    expect(() => new Webhook(flaky.secret).verify(sent[0]?.body ?? '', sent[0]?.headers ?? {})).toThrow();

    // The filtered subscription gets only the types it asked for.
    const loggedEvent = events.find((e) => e.type === 'workorder.logged');
    await until(
      'the logged event sent to the filtered subscription',
      () => about('/hooks/logged', id),
      (items) => items.length > 0,
    );
    expect(about('/hooks/logged', id).map((r) => r.id)).toEqual([`msg_${loggedEvent.cursor}`]);

    // The failing receiver: each event retried until taken, and acted on once.
    await until(
      'every event taken by the flaky receiver',
      () => [...(applied.get('/hooks/flaky')?.keys() ?? [])],
      (ids) => eventIds.every((m) => ids.includes(m)),
    );
    const flakySent = about('/hooks/flaky', id);
    for (const m of eventIds) {
      expect(flakySent.filter((r) => r.id === m).map((r) => r.status)).toEqual([500, 500, 204]);
      for (const r of flakySent.filter((x) => x.id === m)) expect(new Webhook(flaky.secret).verify(r.body, r.headers));
    }
    const log = await until(
      "the flaky subscription's log, every delivery done",
      () => deliveriesOf(flaky.id),
      (items) => eventIds.every((m) => items.find((d) => d.id === m)?.status === 'delivered'),
    );
    // Newest event first, paged.
    expect(log.map((d) => d.id)).toEqual([...log.map((d) => d.id)].sort().reverse());
    for (const m of eventIds) {
      const delivery = log.find((d) => d.id === m);
      expect(delivery.attempts.map((a: any) => [a.status, a.trigger])).toEqual([
        [500, 'event'],
        [500, 'retry'],
        [204, 'retry'],
      ]);
      expect(delivery.attempts[0]).toMatchObject({ response: 'not now', latencyMs: expect.any(Number) });
      expect(delivery.nextAttemptAt).toBeUndefined();
      expect(delivery).not.toHaveProperty('failures');
    }
    // The subscription failed for a while and recovered: it is enabled, failing no more.
    const healthy = await until(
      'the flaky subscription healthy again',
      async () => (await api.call('GET', `/v1/webhooks/${flaky.id}`, { token: admin })).body,
      (w) => w.failingSince === undefined,
    );
    expect(healthy.enabled).toBe(true);

    // Replay one delivery: the same webhook-id again; the application, deduping, acts on it once.
    const replayedId = eventIds[0] as string;
    const replay = await api.call('POST', `/v1/webhooks/${all.id}/deliveries/${replayedId}/replay`, { token: admin });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: replayedId, status: 'pending' });
    const again = await until(
      'the replayed delivery received',
      () => about('/hooks/all', id).filter((r) => r.id === replayedId),
      (items) => items.length === 2,
    );
    expect(again[1]?.body).toBe(again[0]?.body);
    expect(new Webhook(all.secret).verify(again[1]?.body ?? '', again[1]?.headers ?? {})).toEqual(again[1]?.json);
    expect(applied.get('/hooks/all')?.get(replayedId)).toBe(1);
    const replayedLog = await until(
      'the replay logged',
      async () => (await deliveriesOf(all.id)).find((d) => d.id === replayedId),
      (d) => d?.status === 'delivered' && d.attempts.length === 2,
    );
    expect(replayedLog.attempts.map((a: any) => a.trigger)).toEqual(['event', 'replay']);

    // Replay a time range: every event of it the subscription takes, each under its original id.
    const from = new Date(Date.parse(events[0].at) - 1_000).toISOString();
    const to = new Date().toISOString();
    const range = await api.call('POST', `/v1/webhooks/${logged.id}/replay`, { token: admin, body: { from, to } });
    expect(range.status).toBe(202);
    expect(range.body.deliveryIds).toContain(`msg_${loggedEvent.cursor}`);
    expect(range.body.queued).toBe(range.body.deliveryIds.length);
    const resent = await until(
      'the range replayed to the filtered subscription',
      () => about('/hooks/logged', id),
      (items) => items.length === 2,
    );
    expect(resent.map((r) => r.id)).toEqual([`msg_${loggedEvent.cursor}`, `msg_${loggedEvent.cursor}`]);
    expect(new Webhook(logged.secret).verify(resent[1]?.body ?? '', resent[1]?.headers ?? {})).toBeTruthy();
    // Stop the others sending to these receivers in the tests that follow.
    for (const w of [all, logged, flaky]) {
      expect((await api.call('DELETE', `/v1/webhooks/${w.id}`, { token: admin })).status).toBe(204);
    }
  });

  it('signs with both secrets while a rotation overlaps, each signature verifying with its own secret', async () => {
    const hook = await subscribe('/hooks/rotating', { eventTypes: ['workorder.logged'] });
    const rotated = await api.call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { token: admin });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.body.previousSecretUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const read = await api.call('GET', `/v1/webhooks/${hook.id}`, { token: admin });
    expect(JSON.stringify(read.body)).not.toContain('whsec_');

    const id = await api.request('cus_okafor', 'webhooks-okafor-rotation', {
      siteId: 'site_didsbury',
      category: 'leak',
      description: 'Drip under the kitchen sink',
      contact: { name: 'Sarah Okafor', email: 'sarah.okafor@example.com', phone: '07700 900123' },
      source: 'web',
    });
    const [r] = await until(
      'the logged event sent',
      () => about('/hooks/rotating', id),
      (items) => items.length > 0,
    );
    const signatures = String(r?.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    const [current, previous] = signatures as [string, string];
    const only = (signature: string) => ({ ...r?.headers, 'webhook-signature': signature });
    expect(new Webhook(rotated.body.secret).verify(r?.body ?? '', only(current))).toEqual(r?.json);
    expect(new Webhook(hook.secret).verify(r?.body ?? '', only(previous))).toEqual(r?.json);
    expect(() => new Webhook(hook.secret).verify(r?.body ?? '', only(current))).toThrow();
    expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(204);
  });

  it('takes a redirect as a failed attempt and never follows it', async () => {
    behaviours.set('/hooks/moved', () => ({ status: 302, headers: { location: `${base}/hooks/target` } }));
    const hook = await subscribe('/hooks/moved', { eventTypes: ['workorder.logged'] });
    const id = await api.request('cus_pennine_fm', 'webhooks-pennine-redirect', {
      siteId: 'site_stockport',
      category: 'general_maintenance',
      description: 'Door closer broken on the fire exit',
      contact: { name: 'Priya Shah', email: 'facilities@pennine-fm.example.com', phone: '0161 496 0000' },
      source: 'web',
    });
    const delivery = await until(
      'the redirect attempted twice',
      async () => (await deliveriesOf(hook.id)).find((d) => d.eventType === 'workorder.logged'),
      (d) => (d?.attempts.length ?? 0) >= 2,
    );
    expect(delivery.attempts[0]).toMatchObject({ status: 302, trigger: 'event' });
    expect(delivery.status).not.toBe('delivered');
    expect(about('/hooks/moved', id).length).toBeGreaterThanOrEqual(2);
    expect(received.filter((r) => r.path === '/hooks/target')).toEqual([]);
    expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(204);
    expect((await api.call('GET', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(404);
    expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(404);
  });

  it('waits as long as a busy receiver asks (Retry-After) before trying again', async () => {
    behaviours.set('/hooks/busy', (nth) =>
      nth === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 204 },
    );
    const hook = await subscribe('/hooks/busy', { eventTypes: ['workorder.logged'] });
    const id = await api.request('cus_northwest_homes', 'webhooks-northwest-busy', {
      siteId: 'site_salford',
      category: 'blocked_drain',
      description: 'Kitchen sink draining slowly',
      contact: { name: 'Tom Baker', email: 'repairs@northwest-homes.example.com', phone: '0161 496 0001' },
      source: 'web',
    });
    const delivery = await until(
      'the delivery made on the second attempt',
      async () => (await deliveriesOf(hook.id))[0],
      (d) => d?.status === 'delivered',
    );
    expect(delivery.attempts.map((a: { status: number }) => a.status)).toEqual([503, 204]);
    // The schedule, at a thousandth of its pace here, would have tried again within milliseconds.
    const [first, second] = delivery.attempts.map((a: { at: string }) => Date.parse(a.at));
    expect(second - first).toBeGreaterThanOrEqual(2_000);
    expect(about('/hooks/busy', id)).toHaveLength(2);
    // The log is kept 30 days after its last change, then the table's TTL removes it.
    const stored = await getDelivery(hook.id, delivery.id);
    expect(stored?.expiresAt).toBe(Math.floor(Date.parse(stored?.updatedAt ?? '') / 1000) + 30 * 86_400);
    expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(204);
  });

  it('disables a subscription whose deliveries have failed for five days, and tells the office (a feed event and an e-mail)', async () => {
    behaviours.set('/hooks/down', () => ({ status: 503 }));
    const hook = await subscribe('/hooks/down', { eventTypes: ['workorder.logged'] });
    // Five days of failures, in the table as the earlier attempts would have left them.
    const since = new Date(Date.now() - 5 * 86_400_000 - 60_000).toISOString();
    await db().entities.webhookSubscription.patch({ webhookId: hook.id }).set({ failingSince: since }).go();
    const id = await api.request('cus_northwest_homes', 'webhooks-northwest-down', {
      siteId: 'site_salford',
      category: 'leak',
      description: 'Water through the ceiling of flat 3',
      contact: { name: 'Tom Baker', email: 'repairs@northwest-homes.example.com', phone: '0161 496 0001' },
      source: 'web',
    });
    const disabled = await until(
      'the subscription disabled',
      async () => (await api.call('GET', `/v1/webhooks/${hook.id}`, { token: admin })).body,
      (w) => w.enabled === false,
    );
    expect(disabled.disabledReason).toContain(since);
    expect(about('/hooks/down', id)).toHaveLength(1);
    const feed = await api.feedUntil(undefined, (items) =>
      items.some((e) => e.type === 'webhook.disabled' && e.data?.webhookId === hook.id),
    );
    expect(feed.items.find((e) => e.type === 'webhook.disabled')?.data).toMatchObject({
      webhookId: hook.id,
      url: `${base}/hooks/down`,
      failingSince: since,
    });
    // The office is told, by e-mail.
    const notice = await until(
      'the office told',
      async () => (await api.call('GET', `/local/outbox?workOrderId=${hook.id}`)).body.items,
      (items) => items.length > 0,
    );
    expect(notice).toEqual([
      expect.objectContaining({ template: 'office_webhook_disabled', to: 'office@irwell-heating.example' }),
    ]);
    expect(notice[0].subject).toBe(`A webhook was disabled: ${base}/hooks/down`);
    // Nothing more is sent to it: its delivery, due again, fails without an attempt.
    const delivery = await until(
      'the pending delivery given up',
      async () => (await deliveriesOf(hook.id))[0],
      (d) => d?.status === 'failed',
    );
    expect(delivery.reason).toBe('The webhook is disabled.');
    expect(about('/hooks/down', id)).toHaveLength(1);
    expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(204);
  });

  it('changes a subscription only from the version read, and enables and disables it', async () => {
    const hook = await subscribe('/hooks/patched');
    const read = await api.call('GET', `/v1/webhooks/${hook.id}`, { token: admin });
    const etag = read.headers.get('etag') as string;
    expect(etag).toBe('"1"');
    const blind = await api.call('PATCH', `/v1/webhooks/${hook.id}`, { token: admin, body: { enabled: false } });
    expect(blind.status).toBe(428);
    const changed = await api.call('PATCH', `/v1/webhooks/${hook.id}`, {
      token: admin,
      headers: { 'if-match': etag },
      body: { enabled: false, eventTypes: ['invoice.issued'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ enabled: false, eventTypes: ['invoice.issued'], version: 2 });
    expect(changed.headers.get('etag')).toBe('"2"');
    const stale = await api.call('PATCH', `/v1/webhooks/${hook.id}`, {
      token: admin,
      headers: { 'if-match': etag },
      body: { enabled: true },
    });
    expect(stale.status).toBe(412);
    const replay = await api.call('POST', `/v1/webhooks/${hook.id}/replay`, {
      token: admin,
      body: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
    });
    expect(replay.status).toBe(409);
    expect(replay.body.code).toBe('webhook.disabled');
    const refused = await api.call('PATCH', `/v1/webhooks/${hook.id}`, {
      token: admin,
      headers: { 'if-match': '"2"' },
      body: { url: 'http://10.0.0.1/' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('webhook.url_refused');
    expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(204);
  });

  it('refuses URLs that reach private, link-local or (unless allowed) loopback addresses, with 400 problem+json', async () => {
    for (const url of ['http://10.0.0.1/', 'https://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/']) {
      const reply = await api.call('POST', '/v1/webhooks', { token: admin, body: { url } });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
      expect(reply.body.code).toBe('webhook.url_refused');
    }
    // localhost resolves to loopback (the hosts file): refused unless the server allows loopback.
    delete process.env.FIELDOPS_WEBHOOKS_ALLOW_LOOPBACK;
    try {
      for (const url of [`http://localhost:${new URL(base).port}/hooks/x`, 'https://localhost/hooks/x']) {
        const reply = await api.call('POST', '/v1/webhooks', { token: admin, body: { url } });
        expect(reply.status).toBe(400);
        expect(reply.body.code).toBe('webhook.url_refused');
      }
    } finally {
      process.env.FIELDOPS_WEBHOOKS_ALLOW_LOOPBACK = '1';
    }
  });

  it('refuses bad input with 400 problem+json', async () => {
    for (const body of [
      {},
      { url: 42 },
      { url: 'not a url' },
      { url: `${base}/hooks/x`, eventTypes: [] },
      { url: `${base}/hooks/x`, eventTypes: ['Not A Type'] },
      { url: `${base}/hooks/x`, secret: 'whsec_mine' },
    ]) {
      const reply = await api.call('POST', '/v1/webhooks', { token: admin, body });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
    }
    const hook = await subscribe('/hooks/input');
    const range = await api.call('POST', `/v1/webhooks/${hook.id}/replay`, {
      token: admin,
      body: { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    });
    expect(range.status).toBe(400);
    expect(
      (await api.call('POST', `/v1/webhooks/${hook.id}/replay`, { token: admin, body: { from: 'yesterday' } })).status,
    ).toBe(400);
    expect((await api.call('GET', '/v1/webhooks/wh_missing', { token: admin })).status).toBe(404);
    expect(
      (await api.call('POST', `/v1/webhooks/${hook.id}/deliveries/msg_missing/replay`, { token: admin })).status,
    ).toBe(404);
    expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(204);
  });

  it('lets only an admin near the subscriptions: customers and dispatchers get 403', async () => {
    const hook = await subscribe('/hooks/admin-only');
    const customer = await api.token({ role: 'customer', customerId: 'cus_okafor' });
    const dispatcher = await api.token({ role: 'dispatcher' });
    for (const token of [customer, dispatcher]) {
      for (const [method, path, body] of [
        ['POST', '/v1/webhooks', { url: `${base}/hooks/y` }],
        ['GET', '/v1/webhooks', undefined],
        ['GET', `/v1/webhooks/${hook.id}`, undefined],
        ['PATCH', `/v1/webhooks/${hook.id}`, { enabled: false }],
        ['DELETE', `/v1/webhooks/${hook.id}`, undefined],
        ['POST', `/v1/webhooks/${hook.id}/rotate-secret`, undefined],
        ['GET', `/v1/webhooks/${hook.id}/deliveries`, undefined],
        ['POST', `/v1/webhooks/${hook.id}/deliveries/msg_x/replay`, undefined],
        ['POST', `/v1/webhooks/${hook.id}/replay`, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }],
      ] as const) {
        const reply = await api.call(method, path, { token, body, headers: { 'if-match': '"1"' } });
        expect({ method, path, status: reply.status }).toEqual({ method, path, status: 403 });
      }
    }
    expect((await api.call('GET', `/v1/webhooks/${hook.id}`, { token: admin })).body.enabled).toBe(true);
    expect((await api.call('DELETE', `/v1/webhooks/${hook.id}`, { token: admin })).status).toBe(204);
  });
});
