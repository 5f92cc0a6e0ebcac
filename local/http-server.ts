import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Route } from '#infra/routes.ts';
import { maxBodyBytes } from '#shared/http/api.ts';
import { Admission } from './admission.ts';
import { HandlerWorker } from './handler-worker.ts';
import { ACCOUNT_ID, type ApiHandler, importHandler, invokeHandler } from './lambda-handlers.ts';

export type { ApiHandler } from './lambda-handlers.ts';

/** A route the local server serves itself (a page, Server-Sent Events), with no token check and no body limit. */
export interface RawRoute {
  method: string;
  /** Same template syntax as `Route.path`. */
  path: string;
  serve(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

/** The running local API. */
export interface LocalApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The claims the local `/local/token` route and the tests sign. */
export interface LocalClaims {
  sub: string;
  role: string;
  customerId?: string;
  engineerId?: string;
}

/** Issuer and audience the local JWT authorizer accepts, as the deployed one checks Cognito's. */
export const LOCAL_ISSUER = 'fieldops-local';
export const LOCAL_AUDIENCE = 'fieldops';

/**
 * How many API requests the local server runs at once, and how many more wait their turn in arrival order; past
 * that it answers 429 with `Retry-After` at once rather than queueing without end. (Raw routes, the pages and the
 * event stream, are not counted: a stream stays open for as long as its reader.)
 */
export interface RequestLimits {
  inFlight: number;
  queued: number;
}

/**
 * Sized above the most the benchmarks and tests send at once (the contention benchmark's storm of 800 field events),
 * whose clients retry 503 but not 429; a single developer's clicking never comes near.
 */
export const defaultRequestLimits: RequestLimits = { inFlight: 64, queued: 1_000 };

/** The pause a refused client is asked to take, in seconds. */
const RETRY_AFTER_SECONDS = 1;
const API_ID = 'local';
const TEXT_CONTENT_TYPE =
  /^(text\/|application\/([\w.-]+\+)?(json|xml)\b|application\/(x-www-form-urlencoded|javascript))/i;

type Entry = { kind: 'api'; route: Route } | { kind: 'raw'; route: RawRoute };

const encoder = new TextEncoder();

/**
 * Signs a token the local JWT authorizer accepts (HS256 with the local secret).
 * @param ttlSeconds lifetime; twelve hours by default, one working day of clicking around.
 */
export async function signLocalToken(secret: string, claims: LocalClaims, ttlSeconds = 12 * 3600): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(encoder.encode(secret));
}

/**
 * The local stand-in for API Gateway (HTTP API): matches each request to a route of `infra/routes.ts`, checks the
 * bearer token as the JWT authorizer does, and calls the route's handler in process with the payload 2.0 event and
 * a Lambda context, then writes its result back. A `cpuBound` route's handler runs in a worker thread, so that the
 * others keep answering while it computes.
 * @param options.loadHandler resolves a route's handler file; by default imports it from the repository root.
 * @param options.extraRoutes raw routes served before any of that (no token, no body read).
 * @param options.limits requests run at once and queued; `defaultRequestLimits` when absent.
 */
export async function startLocalApi(options: {
  port: number;
  routes: Route[];
  jwtSecret: string;
  loadHandler?: (file: string) => Promise<ApiHandler>;
  extraRoutes?: RawRoute[];
  limits?: RequestLimits;
}): Promise<LocalApi> {
  const entries: Entry[] = [
    ...(options.extraRoutes ?? []).map((route): Entry => ({ kind: 'raw', route })),
    ...options.routes.map((route): Entry => ({ kind: 'api', route })),
  ];
  const loadHandler = options.loadHandler ?? importHandler;
  const secret = encoder.encode(options.jwtSecret);
  const admission = new Admission(options.limits ?? defaultRequestLimits);
  const worker = new HandlerWorker();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(12).toString('base64url');
    res.setHeader('apigw-requestid', requestId);
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const candidates = entries.flatMap((entry) => {
      const pathParameters = matchPath(entry.route.path, url.pathname);
      return pathParameters ? [{ entry, pathParameters }] : [];
    });
    const matched = mostSpecific(candidates.filter(({ entry }) => entry.route.method === method));
    if (!matched) {
      if (candidates.length === 0) {
        return sendProblem(res, 404, 'route.not_found', `No route serves ${method} ${url.pathname}.`);
      }
      const allowed = [...new Set(candidates.map(({ entry }) => entry.route.method))].join(', ');
      return sendProblem(res, 405, 'route.method_not_allowed', `${url.pathname} does not accept ${method}.`, {
        allow: allowed,
      });
    }
    const { entry, pathParameters } = matched;
    if (entry.kind === 'raw') return entry.route.serve(req, res);
    if (!(await admission.enter())) {
      return sendProblem(res, 429, 'request.too_many', 'Too many requests are waiting; try again shortly.', {
        'retry-after': String(RETRY_AFTER_SECONDS),
      });
    }
    try {
      // A client that gave up while its request waited is not served.
      if (!req.socket.destroyed) await serveApi(entry.route, req, res, { url, requestId, pathParameters });
    } finally {
      admission.leave();
    }
  }

  /** Checks the token, reads the body and answers with the route's handler, as API Gateway and Lambda do. */
  async function serveApi(
    route: Route,
    req: IncomingMessage,
    res: ServerResponse,
    request: { url: URL; requestId: string; pathParameters: Record<string, string> },
  ): Promise<void> {
    const { url, requestId, pathParameters } = request;
    let claims: Record<string, string | number | boolean | string[]> | undefined;
    if (route.auth !== false) {
      const verified = await verifyBearer(req.headers.authorization, secret);
      if (!verified.ok) {
        return sendProblem(res, 401, 'auth.unauthorized', verified.detail, { 'www-authenticate': 'Bearer' });
      }
      claims = verified.claims;
    }

    const body = await readBody(req, maxBodyBytes);
    if (body === 'too-large') {
      // The rest of the upload is never read; closing the connection discards it.
      return sendProblem(res, 413, 'request.too_large', `Bodies are limited to ${maxBodyBytes} bytes.`, {
        connection: 'close',
      });
    }

    const routeKey = `${route.method} ${route.path}`;
    const event = toEvent({ req, url, body, routeKey, requestId, pathParameters, claims });
    try {
      writeResult(res, route.cpuBound ? await worker.run(route.handler, event) : await invoke(route.handler, event));
    } catch (error) {
      console.error(`[local api] ${routeKey} failed (request ${requestId})`, error);
      if (!res.headersSent) {
        sendProblem(res, 500, 'internal', `Something went wrong. Request id: ${requestId}.`);
      } else {
        res.destroy();
      }
    }
  }

  async function invoke(file: string, event: APIGatewayProxyEventV2WithJWTAuthorizer) {
    const handler = await loadHandler(file);
    return invokeHandler(file, async (context) => handler(event, context));
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      console.error('[local api] request failed', error);
      if (!res.headersSent) sendProblem(res, 500, 'internal', 'Something went wrong.');
      else res.destroy();
    });
  });
  // A request Node's own parser refuses (a malformed line, raw bytes in the path, oversized headers) is answered
  // as every other error of this API: problem+json, never a bare body.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // As Node's own handler: once an answer to this connection has begun, nothing more is written to it.
    const answering = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (!socket.writable || answering || error.code === 'ECONNRESET') return socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({
      type: 'about:blank',
      title: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request',
      status,
      detail: 'The request is not valid HTTP.',
      code: 'request.malformed',
    });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        'content-type: application/problem+json\r\nx-content-type-options: nosniff\r\ncache-control: no-store\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Long-lived responses (Server-Sent Events) would otherwise hold close() open for ever.
        server.closeAllConnections();
      });
      await worker.close();
    },
  };
}

/** Path parameters when `path` fits `template` (`/v1/work-orders/{id}`), else undefined. */
function matchPath(template: string, path: string): Record<string, string> | undefined {
  const expected = template.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, segment] of expected.entries()) {
    const value = actual[index] ?? '';
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name === undefined) {
      if (segment !== value) return undefined;
    } else {
      if (value === '') return undefined;
      parameters[name] = safeDecode(value);
    }
  }
  return parameters;
}

/** The candidate whose first differing segment is literal rather than a parameter, as API Gateway prefers. */
function mostSpecific<T extends { entry: Entry }>(candidates: T[]): T | undefined {
  const shape = (candidate: T) =>
    candidate.entry.route.path.split('/').map((segment) => (segment.startsWith('{') ? 1 : 0));
  return [...candidates].sort((a, b) => {
    const left = shape(a);
    const right = shape(b);
    const index = left.findIndex((value, position) => value !== right[position]);
    return index === -1 ? 0 : (left[index] ?? 0) - (right[index] ?? 0);
  })[0];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

type Verified =
  | { ok: true; claims: Record<string, string | number | boolean | string[]> }
  | { ok: false; detail: string };

/**
 * Checks a bearer token as the local authorizer does, for raw routes that serve themselves (the event stream).
 * Browsers' EventSource cannot set headers, so those routes may pass the token as `?access_token=` instead.
 */
export function verifyLocalToken(token: string | undefined, jwtSecret: string): Promise<Verified> {
  return verifyBearer(token ? `Bearer ${token}` : undefined, encoder.encode(jwtSecret));
}

async function verifyBearer(header: string | undefined, secret: Uint8Array): Promise<Verified> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (!token) return { ok: false, detail: 'A bearer token is required (Authorization: Bearer <token>).' };
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
    });
    // API Gateway hands claims to the handler as strings; arrays are passed through as they came.
    const claims = Object.fromEntries(
      Object.entries(payload).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
    return { ok: true, claims };
  } catch (error) {
    const expired = error instanceof errors.JWTExpired;
    return { ok: false, detail: expired ? 'The token has expired.' : 'The token is not valid.' };
  }
}

/** The body, or `'too-large'` as soon as it is known to exceed `limit` (by Content-Length or by bytes counted). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.pause();
      resolve('too-large');
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The HTTP API payload 2.0 event API Gateway would send for this request. */
function toEvent(input: {
  req: IncomingMessage;
  url: URL;
  body: Buffer;
  routeKey: string;
  requestId: string;
  pathParameters: Record<string, string>;
  claims: Record<string, string | number | boolean | string[]> | undefined;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { req, url, body, claims } = input;
  const headers: Record<string, string> = {};
  const { rawHeaders } = req;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  // Payload 2.0 moves cookies out of the headers into their own list.
  const cookieHeader = headers.cookie;
  delete headers.cookie;
  const cookies = cookieHeader?.split(/;\s*/).filter(Boolean);

  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;

  const rawPath = url.pathname;
  const target = req.url ?? '';
  const rawQuery = target.includes('?') ? target.slice(target.indexOf('?') + 1) : '';
  const contentType = headers['content-type'] ?? '';
  const isText = TEXT_CONTENT_TYPE.test(contentType);
  const domainName = (headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
  const now = new Date();
  const requestContext: APIGatewayEventRequestContextV2 = {
    accountId: ACCOUNT_ID,
    apiId: API_ID,
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: req.method ?? 'GET',
      path: rawPath,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: input.requestId,
    routeKey: input.routeKey,
    stage: '$default',
    time: apiGatewayTime(now),
    timeEpoch: now.getTime(),
  };
  // On `auth: false` routes API Gateway sends no authorizer; see ApiHandler.
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath,
    rawQueryString: rawQuery,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      ...requestContext,
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    ...(body.length > 0 ? { body: body.toString(isText ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000`. */
function apiGatewayTime(date: Date): string {
  const [, day, month, year, time] = date.toUTCString().split(' ');
  return `${day}/${month}/${year}:${time} +0000`;
}

/** Writes a handler result as API Gateway does, including its reading of a bare (non-structured) result. */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? result
      : {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: typeof result === 'string' ? result : JSON.stringify(result),
        };
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const body = Buffer.from(structured.body ?? '', structured.isBase64Encoded ? 'base64' : 'utf8');
  headers['content-length'] = String(body.length);
  res.writeHead(structured.statusCode ?? 200, headers);
  res.end(body);
}

const titles: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/**
 * A problem+json answer the server writes itself (as API Gateway answers some before any handler), with the headers
 * every answer of the API carries.
 */
export function sendProblem(
  res: ServerResponse,
  status: number,
  code: string,
  detail: string,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = JSON.stringify({ type: 'about:blank', title: titles[status] ?? 'Error', status, detail, code });
  res.writeHead(status, {
    ...headers,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'content-type': 'application/problem+json',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}
