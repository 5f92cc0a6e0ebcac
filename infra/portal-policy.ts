// What the pages need from the edge, as plain data with no CDK import (like routes.ts, so the local server loads it
// in milliseconds): their Content-Security-Policies and the library files the office console loads, served by the
// local server (local/portal.ts) and deployed behind CloudFront (infra/portal.ts).

/**
 * The web form's policy. A page runs only its own scripts and stylesheets (no inline code), calls only the given
 * origins and cannot be framed.
 * @param connectSources origins the page calls besides its own: the API, and Cognito's token endpoint when deployed.
 */
export function portalContentSecurityPolicy(connectSources: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ['connect-src', "'self'", ...connectSources].join(' '),
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The engineer's app (`app/`): the web form's policy, and what an offline-first phone app needs on top: its
 * service worker and manifest from its own origin, and photos shown from the phone's memory (`blob:`) before they
 * are uploaded.
 * @param connectSources as the web form's, plus the attachments bucket that photos and signatures are POSTed to.
 */
export function appContentSecurityPolicy(connectSources: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    ['connect-src', "'self'", ...connectSources].join(' '),
    "worker-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The office console (`office/`): the web form's policy, with its live channel and the photos and signatures it
 * shows.
 * @param connectSources origins the console calls besides its own: the API, Cognito's token endpoint, and the live
 *   channel (a `wss://` origin deployed; the local server's event stream is its own origin).
 * @param imageSources origins of the short-lived links attachments are shown through (the attachments bucket).
 */
export function officeContentSecurityPolicy(connectSources: string[] = [], imageSources: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ['img-src', "'self'", 'data:', ...imageSources].join(' '),
    ['connect-src', "'self'", ...connectSources].join(' '),
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The library files the office console loads with no build step, each served at `/office/vendor/<name>` from its
 * package in node_modules (the map's Leaflet). A fixed list: no other name is served, and nothing else of
 * node_modules. A deployment uploads the same files to `office/vendor/`.
 */
export const officeVendorFiles: Readonly<Record<string, string>> = {
  'leaflet.js': 'leaflet/dist/leaflet.js',
  'leaflet.css': 'leaflet/dist/leaflet.css',
};
