// What the customer web form (portal/), the engineer's app (app/) and the office console (office/) need: their
// config.json, a kept token, the local sign-in, Cognito managed login (authorization code flow with PKCE), a token's
// claims, and calls to the API whose problem+json answers become errors in the API's words. Plain browser JavaScript
// with no build step, served at /common/sign-in.js beside the pages (locally by local/portal.ts; deployed from the
// same bucket).

/**
 * Why a call failed, in words for the person using the page. `kind` is `network` when no answer arrived (the
 * request may or may not have been received), else `problem`; `code` and `errors` come from a problem+json body,
 * and `body` is the whole of it (some answers carry more, such as what completion still needs).
 */
export class ApiError extends Error {
  constructor(message, { kind = 'problem', status, code, errors = [], body } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.body = body;
  }
}

/** The page's config.json: `{ apiUrl, auth: { mode: 'local' } }` locally, `{ apiUrl, auth: { mode: 'cognito', ... } }` deployed. */
export async function loadConfig() {
  let response;
  try {
    response = await fetch('config.json', { cache: 'no-store' });
  } catch {
    throw new ApiError('The service could not be reached. Check your connection and try again.', { kind: 'network' });
  }
  if (!response.ok) throw new ApiError('This page is not set up: its config.json is missing.');
  return response.json();
}

/** An API path (`v1/requests`) as a URL under the config's `apiUrl`, which may be relative to the page. */
export function apiUrl(config, path) {
  const base = new URL(config.apiUrl, location.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(path, base);
}

/** Fetches JSON; a failed answer becomes an ApiError with the API's `detail`, `code` and field `errors`. */
export async function fetchJson(url, init = {}) {
  return (await fetchAnswer(url, init)).data;
}

/** As fetchJson, answering the response too (its headers), as `{ data, response }`. */
export async function fetchAnswer(url, init = {}) {
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError('The service could not be reached. Check your connection and try again.', {
      kind: 'network',
    });
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (response.ok) return { data, text, response };
  const detail = data?.detail ?? data?.error_description ?? `The service answered ${response.status}.`;
  throw new ApiError(detail, {
    status: response.status,
    code: data?.code,
    errors: Array.isArray(data?.errors) ? data.errors : [],
    body: data,
  });
}

/**
 * Where a page keeps its token: `storage` is the tab's sessionStorage (the web form) or localStorage (the app, which
 * must still know who is signed in after the phone restarts it offline).
 */
export function tokenStore(storage, key) {
  return {
    /** The kept token while it has a minute left, else nothing. */
    get() {
      const token = storage.getItem(key);
      if (!token) return undefined;
      if (expiresWithin(token, 60_000)) {
        storage.removeItem(key);
        return undefined;
      }
      return token;
    },
    set(token) {
      storage.setItem(key, token);
    },
    clear() {
      storage.removeItem(key);
    },
  };
}

/** Whether the token's `exp` is less than `ms` away (a token without one never expires here). */
export function expiresWithin(token, ms) {
  const { exp } = claimsOf(token);
  return typeof exp === 'number' && exp * 1000 < Date.now() + ms;
}

/** The claims of a JWT, unverified (the API verifies it); `{}` when it cannot be read. */
export function claimsOf(token) {
  try {
    const payload = token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

/** A claim as the API reads it: `engineerId`, or Cognito's `custom:engineerId`. */
export function claim(claims, name) {
  return claims[name] ?? claims[`custom:${name}`];
}

/** The role a token carries: `role` locally, Cognito's `custom:role` deployed. */
export function roleOf(claims) {
  return claim(claims, 'role');
}

/** The demo ids of `GET /local/seed` (local mode only). */
export function demoIds(config) {
  return fetchJson(apiUrl(config, 'local/seed'));
}

/** A demo token from `POST /local/token` (local mode only): `{ role: 'customer', customerId }` and the like. */
export async function localToken(config, claims) {
  const { token } = await fetchJson(apiUrl(config, 'local/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(claims),
  });
  return token;
}

/**
 * Managed login, authorization code flow with PKCE: the verifier never leaves this tab's sessionStorage (under
 * `key`), and the page leaves for Cognito's authorize endpoint.
 */
export async function startCognitoSignIn(auth, key) {
  const { domain, clientId, redirectUri } = auth;
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(key, JSON.stringify({ verifier, state }));
  const url = new URL('/oauth2/authorize', domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url);
}

/**
 * Back from managed login with `?code=&state=` (or `?error=`): trades the code for Cognito's tokens
 * (`{ id_token, refresh_token, ... }`). Answers nothing when the address holds no answer from sign-in.
 */
export async function finishCognitoSignIn(auth, key) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return undefined;
  // The code is single-use: keep it out of the history, bookmarks and a reload.
  history.replaceState(null, '', location.pathname + location.hash);
  const started = JSON.parse(sessionStorage.getItem(key) ?? 'null');
  sessionStorage.removeItem(key);
  if (params.has('error')) {
    throw new ApiError(`Sign-in did not complete: ${params.get('error_description') ?? params.get('error')}.`);
  }
  if (!started || started.state !== params.get('state')) {
    throw new ApiError('Sign-in did not complete (it was started in another tab or has expired). Try again.');
  }
  const { domain, clientId, redirectUri } = auth;
  return fetchJson(new URL('/oauth2/token', domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code: params.get('code') ?? '',
      redirect_uri: redirectUri,
      code_verifier: started.verifier,
    }),
  });
}

/** New tokens for a refresh token (a public client sends no secret); answers `{ id_token, ... }`. */
export function refreshCognitoTokens(auth, refreshToken) {
  return fetchJson(new URL('/oauth2/token', auth.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: auth.clientId, refresh_token: refreshToken }),
  });
}

/** Leaves for managed login's logout, which returns to the page. */
export function cognitoSignOut(auth) {
  const url = new URL('/logout', auth.domain);
  url.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: auth.redirectUri }).toString();
  location.assign(url);
}

/** A random key for a request or an event: a UUID where the page is a secure context, else 22 random characters. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}

/** `cus_northwest_homes` → `Northwest Homes`. */
export function readableId(id) {
  return id
    .replace(/^[a-z]+_/, '')
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

export function base64url(bytes) {
  const array = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  return btoa(String.fromCharCode(...array))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}
