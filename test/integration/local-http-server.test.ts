import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '#infra/routes.ts';
import { type ApiHandler, type LocalApi, signLocalToken, startLocalApi } from '#local/http-server.ts';

const SECRET = 'local-test-secret-that-is-long-enough';

const routes: Route[] = [
  { method: 'POST', path: '/v1/work-orders/{id}/approve', handler: 'echo', needs: [] },
  { method: 'GET', path: '/v1/work-orders/{id}', handler: 'echo', needs: [] },
  { method: 'PATCH', path: '/v1/work-orders/{id}', handler: 'echo', needs: [] },
  { method: 'GET', path: '/v1/work-orders/summary', handler: 'literal', needs: [] },
  { method: 'POST', path: '/local/token', handler: 'echo', auth: false, needs: [] },
  { method: 'POST', path: '/v1/upload', handler: 'echo', auth: false, needs: [] },
  { method: 'GET', path: '/v1/broken', handler: 'throws', needs: [] },
  { method: 'GET', path: '/v1/cookie', handler: 'cookie', auth: false, needs: [] },
];

const handlers: Record<string, ApiHandler> = {
  echo: async (event, context) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event, remaining: context.getRemainingTimeInMillis(), requestId: context.awsRequestId }),
  }),
  literal: async () => ({ statusCode: 200, body: 'literal' }),
  throws: async () => {
    throw new Error('secret database password in this message');
  },
  cookie: async () => ({
    statusCode: 201,
    cookies: ['a=1; Path=/', 'b=2; Path=/'],
    headers: { 'x-custom': 'yes' },
    body: Buffer.from('binary').toString('base64'),
    isBase64Encoded: true,
  }),
};

describe('the local API Gateway', () => {
  let api: LocalApi;
  let token: string;
  let calls = 0;

  beforeAll(async () => {
    api = await startLocalApi({
      port: 0,
      routes,
      jwtSecret: SECRET,
      loadHandler: async (file) => {
        calls += 1;
        const handler = handlers[file];
        if (!handler) throw new Error(`no test handler ${file}`);
        return handler;
      },
      extraRoutes: [
        {
          method: 'GET',
          path: '/portal',
          serve: (_req, res) => {
            res.end('<h1>portal</h1>');
          },
        },
      ],
    });
    token = await signLocalToken(SECRET, { sub: 'user-1', role: 'approver' });
  });

  afterAll(() => api.close());

  const echo = async (response: Response) => {
    const json = (await response.json()) as {
      event: Record<string, unknown> & { requestContext: Record<string, unknown> };
    };
    return json.event;
  };

  it('gives the handler the payload 2.0 event: route key, parameters, query, headers, body and claims', async () => {
    const response = await fetch(`${api.url}/v1/work-orders/wo%201/approve?tag=a&tag=b&note=hi%20there`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'X-Trace': 'abc' },
      body: JSON.stringify({ comment: 'ok' }),
    });

    expect(response.status).toBe(200);
    const event = await echo(response);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/work-orders/{id}/approve',
      rawPath: '/v1/work-orders/wo%201/approve',
      rawQueryString: 'tag=a&tag=b&note=hi%20there',
      pathParameters: { id: 'wo 1' },
      queryStringParameters: { tag: 'a,b', note: 'hi there' },
      body: '{"comment":"ok"}',
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'POST /v1/work-orders/{id}/approve',
        stage: '$default',
        http: { method: 'POST', path: '/v1/work-orders/wo%201/approve', sourceIp: '127.0.0.1' },
        authorizer: { jwt: { claims: { sub: 'user-1', role: 'approver', iss: 'fieldops-local', aud: 'fieldops' } } },
      },
    });
    expect(event.headers).toMatchObject({ 'x-trace': 'abc', 'content-type': 'application/json' });
    const claims = (event.requestContext.authorizer as { jwt: { claims: Record<string, unknown> } }).jwt.claims;
    expect(typeof claims.exp).toBe('string');
    expect(typeof event.requestContext.requestId).toBe('string');
    expect(response.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);
  });

  it('passes cookies in their own list and binary bodies base64-encoded', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);

    const response = await fetch(`${api.url}/v1/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', cookie: 'session=abc; theme=dark' },
      body: bytes,
    });

    const event = await echo(response);
    expect(event.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(String(event.body), 'base64')).toEqual(bytes);
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('writes back the status, headers, cookies and a base64 body from the handler', async () => {
    const response = await fetch(`${api.url}/v1/cookie`);

    expect(response.status).toBe(201);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(await response.text()).toBe('binary');
  });

  it('prefers a literal segment over a path parameter', async () => {
    const response = await fetch(`${api.url}/v1/work-orders/summary`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(await response.text()).toBe('literal');
  });

  it('answers 401 problem+json without a token, without calling the handler', async () => {
    const before = calls;

    const response = await fetch(`${api.url}/v1/work-orders/wo-1`);

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toMatchObject({ status: 401, title: 'Unauthorized', code: 'auth.unauthorized' });
    expect(calls).toBe(before);
  });

  it.each([
    [
      'signed with another secret',
      () => signLocalToken('another-secret-of-enough-length', { sub: 'u', role: 'admin' }),
    ],
    ['expired', () => signLocalToken(SECRET, { sub: 'u', role: 'admin' }, -60)],
    ['malformed', async () => 'not.a.jwt'],
  ])('answers 401 for a token %s', async (_name, makeToken) => {
    const response = await fetch(`${api.url}/v1/work-orders/wo-1`, {
      headers: { authorization: `Bearer ${await makeToken()}` },
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'auth.unauthorized' });
  });

  it('serves routes marked auth: false without a token', async () => {
    const response = await fetch(`${api.url}/local/token`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(200);
  });

  it('refuses a 300 KB body with 413 before the handler runs', async () => {
    const before = calls;

    const response = await fetch(`${api.url}/v1/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(300 * 1024),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ status: 413, code: 'request.too_large' });
    expect(calls).toBe(before);
  });

  it('refuses an oversized streamed body with no Content-Length by counting its bytes', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let sent = 0; sent < 5; sent++) controller.enqueue(chunk);
        controller.close();
      },
    });

    const response = await fetch(`${api.url}/v1/upload`, { method: 'POST', body, duplex: 'half' } as RequestInit);

    expect(response.status).toBe(413);
  });

  it('answers 404 for an unknown route and 405 with Allow for a known path with another method', async () => {
    const missing = await fetch(`${api.url}/v1/nowhere`);
    const wrongMethod = await fetch(`${api.url}/v1/work-orders/wo-1`, { method: 'DELETE' });

    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'route.not_found' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, PATCH');
  });

  it('turns a throwing handler into a 500 that names the request id and nothing else', async () => {
    const response = await fetch(`${api.url}/v1/broken`, { headers: { authorization: `Bearer ${token}` } });

    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({ status: 500, code: 'internal' });
    expect(text).toContain(response.headers.get('apigw-requestid') ?? 'missing request id');
  });

  it('serves extra raw routes itself', async () => {
    const response = await fetch(`${api.url}/portal`);

    expect(await response.text()).toBe('<h1>portal</h1>');
  });
});

describe('the local API Gateway when more requests come than it serves at once', () => {
  it('runs one, queues one and answers the next 429 problem+json with Retry-After at once', async () => {
    const api = await startLocalApi({
      port: 0,
      routes,
      jwtSecret: SECRET,
      loadHandler: async (file) => handlers[file] as ApiHandler,
      limits: { inFlight: 1, queued: 1 },
    });
    try {
      // Three uploads hold their requests open by not finishing their bodies: one is read, one waits its turn.
      const uploads = [0, 1, 2].map(() => startUpload(api.url));

      const first = await Promise.race(uploads.map((upload) => upload.answer));
      for (const upload of uploads) upload.finish();
      const answers = await Promise.all(uploads.map((upload) => upload.answer));
      const afterwards = await fetch(`${api.url}/local/token`, { method: 'POST', body: '{}' });

      expect(first.status).toBe(429);
      expect(first.headers).toMatchObject({
        'content-type': 'application/problem+json',
        'retry-after': '1',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      expect(JSON.parse(first.body)).toMatchObject({
        status: 429,
        title: 'Too Many Requests',
        code: 'request.too_many',
      });
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 429]);
      expect(afterwards.status).toBe(200);
    } finally {
      await api.close();
    }
  });
});

/**
 * A POST whose headers and first body byte are sent and whose body is finished only on `finish()`, so the server
 * holds it open meanwhile; `answer` resolves with the response, whenever it comes.
 */
function startUpload(baseUrl: string) {
  const outgoing = request(`${baseUrl}/v1/upload`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': '2' },
  });
  const answer = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    outgoing.on('error', reject);
  });
  outgoing.write('{');
  return { answer, finish: () => outgoing.end('}') };
}
