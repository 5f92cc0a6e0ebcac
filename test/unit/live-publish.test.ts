import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventView } from '#shared/events.ts';
import { liveChannel } from '#shared/live/channel.ts';
import { type FeedEventDetail, feedEventOf, LivePublishFailed, publishToOffice } from '#shared/live/publish.ts';
import { handler } from '../../functions/live/publish.ts';

/** A feed event as the store holds it (shared/db/work-orders.ts writes this one with a status change). */
const written = {
  eventId: '01JH8ZQK3N6W2YV4T5R7S9A0BC',
  at: '2025-03-04T09:15:00.000Z',
  type: 'workorder.status_changed',
  workOrderId: 'wo_01JH8ZQ',
  data: { actor: 'eng_amira', from: 'dispatched', to: 'en_route', reading: 1.5, tags: ['van'] },
};

/** The same event as the domain events pipe puts it on the bus: its `data` as the stream's typed map. */
const onTheBus: FeedEventDetail = { ...written, data: marshall(written.data) };

const credentials = { accessKeyId: 'AKIDLIVE', secretAccessKey: 'secret', sessionToken: 'session-token' };

interface Received {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  raw: string;
  body: { channel: string; events: string[] };
}

/** The signature AppSync would compute for the post as it arrived: the signed headers as received, and the body. */
async function expectedSignature(post: Received): Promise<string | undefined> {
  const names = /SignedHeaders=([^,]+)/.exec(String(post.headers.authorization))?.[1]?.split(';') ?? [];
  const stamp = String(post.headers['x-amz-date']);
  const signed = await new SignatureV4({ service: 'appsync', region: 'eu-west-2', credentials, sha256: Sha256 }).sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: post.url ?? '/',
      query: {},
      headers: Object.fromEntries(names.map((name) => [name, String(post.headers[name])])),
      body: post.raw,
    },
    {
      signingDate: new Date(
        `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
      ),
    },
  );
  return /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1];
}

/** Stands in for the Event API's HTTP endpoint: records each publish and answers what `answer` says. */
let server: Server;
let received: Received[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let url: URL;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, raw: body, body: JSON.parse(body) });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/event`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  received = [];
  answer = { status: 200, body: {} };
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

const taken = (count = 1) => ({
  successful: Array.from({ length: count }, (_, index) => ({ identifier: `id-${index}`, index })),
  failed: [],
});

describe('what the live channel pushes', () => {
  it('is the item GET /v1/events lists for the event, made from what the pipe put on the bus', () => {
    expect(feedEventOf(onTheBus)).toEqual(eventView(written));
    expect(feedEventOf(onTheBus)).toEqual({
      cursor: written.eventId,
      at: written.at,
      type: written.type,
      workOrderId: written.workOrderId,
      data: written.data,
    });
  });

  it('carries nothing the feed item does not name', () => {
    const detail = { ...onTheBus, __edb_e__: 'domainEvent', pk: '$fieldops#domainevent_1' } as FeedEventDetail;

    expect(Object.keys(feedEventOf(detail)).sort()).toEqual(['at', 'cursor', 'data', 'type', 'workOrderId']);
  });
});

describe('publishing a feed event to the office channel', () => {
  it('posts it once to the Event API, on the office feed, as one JSON event, signed for AppSync by the role', async () => {
    answer = { status: 200, body: taken() };

    await publishToOffice(feedEventOf(onTheBus), { url, region: 'eu-west-2', credentials });

    expect(received).toHaveLength(1);
    const [post] = received;
    expect(post).toMatchObject({ method: 'POST', url: '/event', body: { channel: liveChannel } });
    expect(post?.body.events.map((event) => JSON.parse(event))).toEqual([eventView(written)]);
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLIVE\/\d{8}\/eu-west-2\/appsync\/aws4_request, SignedHeaders=[^,]*\bhost\b[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(post?.headers['x-amz-security-token']).toBe('session-token');
    expect(post?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(String(post?.headers.authorization)).toContain(`Signature=${await expectedSignature(post as Received)}`);
  });

  it('fails when the Event API refuses the post, so Lambda retries it and then keeps it as a dead letter', async () => {
    answer = { status: 403, body: { errors: [{ errorType: 'UnauthorizedException' }] } };

    await expect(publishToOffice(feedEventOf(onTheBus), { url, region: 'eu-west-2', credentials })).rejects.toThrow(
      LivePublishFailed,
    );
  });

  it('fails when the Event API answers that it did not take the event', async () => {
    answer = { status: 200, body: { successful: [], failed: [{ identifier: 'id-0', index: 0, code: 'Error' }] } };

    await expect(publishToOffice(feedEventOf(onTheBus), { url, region: 'eu-west-2', credentials })).rejects.toThrow(
      /did not take the event/,
    );
  });
});

describe('the publish function', () => {
  const busEvent = {
    version: '0',
    id: 'evb-1',
    'detail-type': written.type,
    source: 'fieldops',
    account: '123456789012',
    time: written.at,
    region: 'eu-west-2',
    resources: [],
    detail: onTheBus,
  } as EventBridgeEvent<string, FeedEventDetail>;

  it("publishes each event the rule hands it once, to the Event API's HTTP endpoint, with Lambda's credentials", async () => {
    vi.stubEnv('LIVE_EVENTS_DOMAIN', 'abc123.appsync-api.eu-west-2.amazonaws.com');
    vi.stubEnv('AWS_REGION', 'eu-west-2');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLAMBDA');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'lambda-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'lambda-session');
    const posted: Request[] = [];
    vi.stubGlobal('fetch', async (input: URL, init: RequestInit) => {
      posted.push(new Request(input, init));
      return new Response(JSON.stringify(taken()), { status: 200 });
    });

    await handler(busEvent);

    expect(posted).toHaveLength(1);
    const [post] = posted;
    expect(post?.url).toBe('https://abc123.appsync-api.eu-west-2.amazonaws.com/event');
    expect(post?.headers.get('authorization')).toContain('Credential=AKIDLAMBDA/');
    expect(post?.headers.get('x-amz-security-token')).toBe('lambda-session');
    expect(await post?.json()).toEqual({ channel: liveChannel, events: [JSON.stringify(eventView(written))] });
  });

  it('throws when the event was not taken, for Lambda to retry', async () => {
    vi.stubEnv('LIVE_EVENTS_DOMAIN', 'abc123.appsync-api.eu-west-2.amazonaws.com');
    vi.stubEnv('AWS_REGION', 'eu-west-2');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLAMBDA');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'lambda-secret');
    vi.stubGlobal('fetch', async () => new Response('{"message":"Service Unavailable"}', { status: 503 }));

    await expect(handler(busEvent)).rejects.toThrow(LivePublishFailed);
  });
});
