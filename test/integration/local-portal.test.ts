import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '#local/http-server.ts';
import { pageRoutes } from '#local/portal.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi({
    port: 0,
    routes: [],
    jwtSecret: 'portal-test-secret',
    extraRoutes: pageRoutes({ uploadOrigin: 'http://127.0.0.1:4569' }),
  });
});
afterAll(() => api.close());

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${api.url}${path}`, { method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('the web form on the local server', () => {
  it('redirects /portal to /portal/, where the page is served with its security headers', async () => {
    const redirect = await fetch(`${api.url}/portal`, { redirect: 'manual' });
    const page = await fetch(`${api.url}/portal/`);

    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/portal/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('<h1>Request a visit</h1>');
  });

  it('serves the script and the stylesheet with their content types', async () => {
    const script = await fetch(`${api.url}/portal/portal.js`);
    const style = await fetch(`${api.url}/portal/portal.css`);

    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await script.text()).toContain('/v1/requests');
  });

  it('points the page at the API on the origin it was loaded from, with the local sign-in', async () => {
    const config = await fetch(`${api.url}/portal/config.json`);

    expect(config.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await config.json()).toEqual({ apiUrl: `${api.url}/`, auth: { mode: 'local' } });
  });

  it('serves nothing from outside the portal folder, nor dot files or files of unknown type', async () => {
    for (const path of [
      '/portal/..%2Fpackage.json',
      '/portal/%2e%2e%2fpackage.json',
      '/portal/..%5Cpackage.json',
      '/portal/.gitignore',
      '/portal/missing.js',
    ]) {
      expect(await rawGet(path), path).toBe(404);
    }
    // Resolved by the URL parser before routing: no route serves /package.json at all.
    expect(await rawGet('/portal/../package.json')).toBe(404);
  });

  it('holds no inline script, style or event handler, so a strict Content-Security-Policy allows all of it', () => {
    for (const page of ['portal', 'app', 'office']) {
      const html = readFileSync(new URL(`../../${page}/index.html`, import.meta.url), 'utf8');

      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html).not.toMatch(/<style\b/i);
      expect(html).not.toMatch(/\sstyle=/i);
      expect(html).not.toMatch(/\son[a-z]+=/i);
    }
  });

  it('serves what both pages import from /common/, with the content type of a module', async () => {
    const script = await fetch(`${api.url}/common/sign-in.js`);

    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('export async function startCognitoSignIn');
    expect((await fetch(`${api.url}/common/`)).status).toBe(404);
    expect(await rawGet('/common/..%2Fpackage.json')).toBe(404);
  });
});

describe("the engineer's app on the local server", () => {
  it('redirects /app to /app/, where the app is served with its own policy: its worker, manifest and uploads', async () => {
    const redirect = await fetch(`${api.url}/app`, { redirect: 'manual' });
    const page = await fetch(`${api.url}/app/`);
    const policy = page.headers.get('content-security-policy') ?? '';

    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/app/');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(policy).toContain("worker-src 'self'");
    expect(policy).toContain("manifest-src 'self'");
    expect(policy).toContain("img-src 'self' data: blob:");
    // Photos and signatures go straight to the local S3 on its own port.
    expect(policy).toContain("connect-src 'self' http://127.0.0.1:4569;");
    expect(policy).not.toContain('unsafe-inline');
    expect(await page.text()).toContain('<h1 id="sign-in-title" tabindex="-1">Sign in</h1>');
  });

  it('serves its files with their content types: the worker, the manifest and the icons', async () => {
    const types = Object.fromEntries(
      await Promise.all(
        ['app.js', 'sw.js', 'app.css', 'manifest.webmanifest', 'icon.svg', 'icon-192.png', 'icon-512.png'].map(
          async (file) => [file, (await fetch(`${api.url}/app/${file}`)).headers.get('content-type')] as const,
        ),
      ),
    );

    expect(types).toEqual({
      'app.js': 'text/javascript; charset=utf-8',
      'sw.js': 'text/javascript; charset=utf-8',
      'app.css': 'text/css; charset=utf-8',
      'manifest.webmanifest': 'application/manifest+json; charset=utf-8',
      'icon.svg': 'image/svg+xml',
      'icon-192.png': 'image/png',
      'icon-512.png': 'image/png',
    });
  });

  it('installs as an app: the manifest names it, its scope, and icons that exist', async () => {
    const manifest = (await (await fetch(`${api.url}/app/manifest.webmanifest`)).json()) as any;

    expect(manifest).toMatchObject({
      name: 'FieldOps engineer',
      short_name: 'FieldOps',
      start_url: '/app/',
      scope: '/app/',
      display: 'standalone',
      theme_color: expect.stringMatching(/^#[0-9a-f]{6}$/i),
    });
    expect(manifest.icons.map((icon: { sizes: string }) => icon.sizes)).toEqual(['any', '192x192', '512x512']);
    for (const icon of manifest.icons) expect((await fetch(`${api.url}/app/${icon.src}`)).status).toBe(200);
  });

  it('points the app at the API on the origin it was loaded from, with the local sign-in', async () => {
    const config = await fetch(`${api.url}/app/config.json`);

    expect(await config.json()).toEqual({ apiUrl: `${api.url}/`, auth: { mode: 'local' } });
  });

  it('serves nothing from outside the app folder', async () => {
    for (const path of ['/app/..%2Fpackage.json', '/app/%2e%2e%2fpackage.json', '/app/.gitignore', '/app/missing.js']) {
      expect(await rawGet(path), path).toBe(404);
    }
  });
});

describe('the office console on the local server', () => {
  it('redirects /office to /office/, where the console is served with its own policy: the attachments it shows', async () => {
    const redirect = await fetch(`${api.url}/office`, { redirect: 'manual' });
    const page = await fetch(`${api.url}/office/`);
    const policy = page.headers.get('content-security-policy') ?? '';

    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/office/');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    // Photos and signatures are shown through short-lived links to the local S3 on its own port.
    expect(policy).toContain("img-src 'self' data: http://127.0.0.1:4569;");
    // The live channel is this server's own event stream.
    expect(policy).toContain("connect-src 'self';");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(await page.text()).toContain('<h1 id="sign-in-title" tabindex="-1">Sign in to the office</h1>');
  });

  it('serves its modules with the content type of a module, and points the console at this API', async () => {
    for (const file of ['office.js', 'live.js', 'ui.js', 'jobs.js', 'board.js']) {
      const script = await fetch(`${api.url}/office/${file}`);
      expect(script.status, file).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    expect((await fetch(`${api.url}/office/office.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await (await fetch(`${api.url}/office/config.json`)).json()).toEqual({
      apiUrl: `${api.url}/`,
      auth: { mode: 'local' },
    });
  });

  it('serves nothing from outside the office folder', async () => {
    for (const path of ['/office/..%2Fpackage.json', '/office/%2e%2e%2fpackage.json', '/office/.gitignore']) {
      expect(await rawGet(path), path).toBe(404);
    }
  });
});
