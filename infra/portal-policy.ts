/**
 * The web form's Content-Security-Policy, sent by the local server (local/portal.ts) and by CloudFront
 * (infra/portal.ts). Plain data with no CDK import, like routes.ts, so the local server loads it in milliseconds.
 * The page runs only its own script and stylesheet (no inline code), calls only the given origins and cannot be
 * framed.
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
