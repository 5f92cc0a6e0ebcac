import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '#local/http-server.ts';
import { portalRoutes } from '#local/portal.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi({ port: 0, routes: [], jwtSecret: 'portal-test-secret', extraRoutes: portalRoutes() });
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
    const html = readFileSync(new URL('../../portal/index.html', import.meta.url), 'utf8');

    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});
