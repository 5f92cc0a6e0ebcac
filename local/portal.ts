import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import {
  appContentSecurityPolicy,
  officeContentSecurityPolicy,
  officeVendorFiles,
  portalContentSecurityPolicy,
} from '#infra/portal-policy.ts';
import type { RawRoute } from './http-server.ts';

const repoRoot = new URL('../', import.meta.url);

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** A plain file name with a known type: no path separators, no dot files, so nothing outside the folder. */
const servable = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)+$/i;

/** The same headers the CloudFront distribution sends (infra/portal.ts), but for the page's own policy. */
const securityHeaders = (contentSecurityPolicy: string) => ({
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
});

export interface PageOptions {
  /**
   * The origin of the attachments bucket: locally s3rver on its own port (`http://127.0.0.1:<port>`). The engineer's
   * app POSTs photos and signatures to it and the office console shows them from it (short-lived links), so each
   * page's Content-Security-Policy must let it reach it.
   */
  uploadOrigin?: string;
  /** Where the folders are; the repository by default. */
  root?: URL;
}

/**
 * The pages, each under its own path as deployed: the customer web form at `/portal/` (`portal/`), the engineer's
 * app at `/app/` (`app/`), the office console at `/office/` (`office/`), and what they import at `/common/`
 * (`common/`, the sign-in and the API calls). `/portal`, `/app` and `/office` redirect to their folder, and each
 * page's `config.json` points it at this server's API and its local sign-in (a demo customer's, engineer's or office
 * role's token from `/local/token`). The API is this same origin locally, and so is the office's live channel (the
 * event stream, `GET /v1/events/stream`), so its config names no `liveUrl`.
 */
export function pageRoutes(options: PageOptions = {}): RawRoute[] {
  const root = options.root ?? repoRoot;
  const portalPolicy = portalContentSecurityPolicy();
  const uploadOrigins = options.uploadOrigin ? [options.uploadOrigin] : [];
  return [
    ...folderRoutes({ path: 'portal', root, policy: portalPolicy, page: true }),
    ...folderRoutes({
      path: 'app',
      root,
      policy: appContentSecurityPolicy(uploadOrigins),
      page: true,
    }),
    ...folderRoutes({ path: 'office', root, policy: officeContentSecurityPolicy([], uploadOrigins), page: true }),
    ...vendorRoutes(officeContentSecurityPolicy([], uploadOrigins)),
    // Scripts only: a script's own Content-Security-Policy governs nothing, but it is the stricter one to send.
    ...folderRoutes({ path: 'common', root, policy: portalPolicy, page: false }),
  ];
}

function folderRoutes(folder: { path: string; root: URL; policy: string; page: boolean }): RawRoute[] {
  const directory = new URL(`${folder.path}/`, folder.root);
  const prefix = `/${folder.path}/`;
  const headers = securityHeaders(folder.policy);
  const page: RawRoute[] = folder.page
    ? [
        {
          method: 'GET',
          path: `/${folder.path}`,
          serve: (_req, res) => {
            res.writeHead(301, { location: prefix, 'content-length': '0' }).end();
          },
        },
        { method: 'GET', path: prefix, serve: (_req, res) => sendFile(res, headers, directory, 'index.html') },
        { method: 'GET', path: `${prefix}config.json`, serve: (req, res) => sendConfig(req, res, headers) },
      ]
    : [];
  return [
    ...page,
    {
      method: 'GET',
      path: `${prefix}{file}`,
      // Not decoded: an encoded name (`%2e%2e`) fails the plain-name check instead of becoming a path.
      serve: (req, res) =>
        sendFile(res, headers, directory, new URL(req.url ?? '/', 'http://local').pathname.slice(prefix.length)),
    },
  ];
}

type Headers = ReturnType<typeof securityHeaders>;

// --- The office console's library files ---------------------------------------------------------------------------

function vendorRoutes(policy: string): RawRoute[] {
  const headers = securityHeaders(policy);
  const resolve = createRequire(import.meta.url).resolve;
  return [
    {
      method: 'GET',
      path: '/office/vendor/{file}',
      serve: async (req, res) => {
        const name = new URL(req.url ?? '/', 'http://local').pathname.slice('/office/vendor/'.length);
        const file = Object.hasOwn(officeVendorFiles, name) ? officeVendorFiles[name] : undefined;
        const type = contentTypes[extname(name).toLowerCase()];
        if (!file || !type) return notFound(res, headers);
        let body: Buffer;
        try {
          body = await readFile(resolve(file));
        } catch {
          return notFound(res, headers);
        }
        send(res, headers, 200, type, body);
      },
    },
  ];
}

function sendConfig(req: IncomingMessage, res: ServerResponse, headers: Headers): void {
  // The page calls the API on the origin it was loaded from, so the browser never needs CORS locally.
  const host = req.headers.host ?? '';
  const apiUrl = /^[\w.-]+(:\d{1,5})?$|^\[[\da-f:.]+\](:\d{1,5})?$/i.test(host) ? `http://${host}/` : '/';
  send(res, headers, 200, contentTypes['.json'] as string, JSON.stringify({ apiUrl, auth: { mode: 'local' } }));
}

async function sendFile(res: ServerResponse, headers: Headers, directory: URL, name: string): Promise<void> {
  const type = contentTypes[extname(name).toLowerCase()];
  if (!servable.test(name) || !type) return notFound(res, headers);
  let body: Buffer;
  try {
    body = await readFile(new URL(name, directory));
  } catch {
    return notFound(res, headers);
  }
  send(res, headers, 200, type, body);
}

function notFound(res: ServerResponse, headers: Headers): void {
  send(res, headers, 404, 'text/plain; charset=utf-8', 'Not found.\n');
}

function send(res: ServerResponse, headers: Headers, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    // Edited files show on the next reload (the app's service worker asks the network first, too).
    'cache-control': 'no-cache',
  });
  res.end(body);
}
