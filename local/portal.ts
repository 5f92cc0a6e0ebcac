import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { portalContentSecurityPolicy } from '#infra/portal-policy.ts';
import type { RawRoute } from './http-server.ts';

/** The customer web form's files, deployed as they are by infra/portal.ts. */
const portalDirectory = new URL('../portal/', import.meta.url);

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** A plain file name with a known type: no path separators, no dot files, so nothing outside the folder. */
const servable = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)+$/i;

/** The same headers the CloudFront distribution sends (infra/portal.ts); the API is this same origin locally. */
const securityHeaders = {
  'content-security-policy': portalContentSecurityPolicy(),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * `GET /portal` (redirected to `/portal/`), the page's files under `/portal/`, and `/portal/config.json`, which
 * points the page at this server's API and its local sign-in (a demo customer's token from `/local/token`).
 */
export function portalRoutes(directory: URL = portalDirectory): RawRoute[] {
  return [
    {
      method: 'GET',
      path: '/portal',
      serve: (_req, res) => {
        res.writeHead(301, { location: '/portal/', 'content-length': '0' }).end();
      },
    },
    { method: 'GET', path: '/portal/', serve: (_req, res) => sendFile(res, directory, 'index.html') },
    { method: 'GET', path: '/portal/config.json', serve: sendConfig },
    {
      method: 'GET',
      path: '/portal/{file}',
      // Not decoded: an encoded name (`%2e%2e`) fails the plain-name check instead of becoming a path.
      serve: (req, res) =>
        sendFile(res, directory, new URL(req.url ?? '/', 'http://local').pathname.slice('/portal/'.length)),
    },
  ];
}

function sendConfig(req: IncomingMessage, res: ServerResponse): void {
  // The page calls the API on the origin it was loaded from, so the browser never needs CORS locally.
  const host = req.headers.host ?? '';
  const apiUrl = /^[\w.-]+(:\d{1,5})?$|^\[[\da-f:.]+\](:\d{1,5})?$/i.test(host) ? `http://${host}/` : '/';
  send(res, 200, contentTypes['.json'] as string, JSON.stringify({ apiUrl, auth: { mode: 'local' } }));
}

async function sendFile(res: ServerResponse, directory: URL, name: string): Promise<void> {
  const type = contentTypes[extname(name).toLowerCase()];
  if (!servable.test(name) || !type) return notFound(res);
  let body: Buffer;
  try {
    body = await readFile(new URL(name, directory));
  } catch {
    return notFound(res);
  }
  send(res, 200, type, body);
}

function notFound(res: ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, {
    ...securityHeaders,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    // Edited files show on the next reload.
    'cache-control': 'no-cache',
  });
  res.end(body);
}
