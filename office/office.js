// The office console: sign-in, the navigation bar, the hash router and the live channel. Each screen is a module of
// its own (`office/<screen>.js`) exporting `show(main, ctx)`, which fills `main` and may answer a cleanup function;
// `ctx` is what a screen needs of the page:
//
//   api(path, options)   the API's JSON answer, or the ApiError in its words (`{ method, body, ifMatch, idempotencyKey }`;
//                        `{ text: true }` answers `{ text, headers }` instead, for a CSV)
//   role, config         the signed-in role (dispatcher, approver, admin) and config.json
//   params, query        the route's id (`#/work-orders/<id>`) and its query (`#/jobs?status=logged`)
//   onEvent(listener)    live change events (feed events, each once); answers the unsubscribe, and every listener of
//                        a screen is unsubscribed when it is left
//   navigate(hash)       goes to another screen
//   announce(text)       says it in the aria-live region
//   reference(list)      every record of `GET /v1/{list}` (engineers, customers...), read once a minute at most
//   report(error)        shows an error in the page's alert
//
// Plain browser JavaScript with no build step; the sign-in and the API calls are common/sign-in.js's. Built for a
// Content-Security-Policy without 'unsafe-inline': no inline script, style or handlers, and no innerHTML.

import {
  ApiError,
  apiUrl,
  claimsOf,
  cognitoSignOut,
  expiresWithin,
  fetchAnswer,
  finishCognitoSignIn,
  loadConfig,
  localToken,
  refreshCognitoTokens,
  roleOf,
  startCognitoSignIn,
  tokenStore,
} from '../common/sign-in.js';
import { openLive } from './live.js';
import { h } from './ui.js';

const tokens = tokenStore(sessionStorage, 'fieldops.office.token');
const refreshKey = 'fieldops.office.refresh';
const signInKey = 'fieldops.office.sign-in';
const officeRoles = ['dispatcher', 'approver', 'admin'];

/** The screens: a route's first segment, its module, and the title its navigation link gives it. */
const routes = {
  jobs: 'jobs',
  board: 'board',
  rota: 'rota',
  approvals: 'approvals',
  'work-orders': 'work-order',
  mail: 'mail',
  reference: 'reference',
  'purchase-orders': 'purchasing',
  reports: 'reports',
  map: 'map',
};
const roleNames = { dispatcher: 'Dispatcher', approver: 'Approver', admin: 'Admin' };

const office = {
  config: undefined,
  token: undefined,
  role: undefined,
  live: undefined,
  /** The screen on show: `{ key, cleanup, listeners }`. */
  current: undefined,
  /** Bumped on every navigation, so that a screen still loading when another is opened does not show. */
  generation: 0,
  references: new Map(),
};

const byId = (id) => document.getElementById(id);
const show = (id, visible = true) => {
  byId(id).hidden = !visible;
};

start().catch(report);

async function start() {
  office.config = await loadConfig();
  wire();
  if (office.config.auth.mode === 'cognito') await finishSignIn().catch(report);
  office.token = tokens.get();
  show('loading', false);
  if (office.token && officeRoles.includes(roleOf(claimsOf(office.token)))) await enterSignedIn();
  else enterSignIn();
}

function wire() {
  byId('local-sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    signInLocally().catch(report);
  });
  byId('cognito-button').addEventListener('click', () =>
    startCognitoSignIn(office.config.auth, signInKey).catch(report),
  );
  byId('sign-out').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', () => route().catch(report));
}

// --- Signing in -------------------------------------------------------------------------------------------------

function enterSignIn() {
  leaveScreen();
  office.live?.close();
  office.live = undefined;
  show('nav', false);
  show('account', false);
  setLive('');
  show('sign-in');
  const local = office.config.auth.mode === 'local';
  show('local-sign-in', local);
  show('cognito-sign-in', !local);
  document.title = 'Sign in – FieldOps office';
  byId('sign-in-title').focus();
}

async function signInLocally() {
  keep(await localToken(office.config, { role: byId('demo-role').value }));
  await enterSignedIn();
}

/** Back from managed login: the ID token carries `custom:role`; the refresh token keeps the day going. */
async function finishSignIn() {
  const answer = await finishCognitoSignIn(office.config.auth, signInKey);
  if (!answer) return;
  if (answer.refresh_token) sessionStorage.setItem(refreshKey, answer.refresh_token);
  keep(answer.id_token);
}

function keep(token) {
  const role = roleOf(claimsOf(token));
  if (!officeRoles.includes(role)) {
    throw new ApiError('The office console is for dispatchers, approvers and admins, and this account is none.');
  }
  tokens.set(token);
  office.token = token;
}

async function enterSignedIn() {
  const claims = claimsOf(office.token);
  office.role = roleOf(claims);
  byId('account-name').textContent = [claims.email ?? claims.name, roleNames[office.role]].filter(Boolean).join(', ');
  show('sign-in', false);
  show('nav');
  show('account');
  clearAlert();
  startLive();
  if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/jobs');
  await route();
}

function signOut() {
  tokens.clear();
  sessionStorage.removeItem(refreshKey);
  office.token = undefined;
  office.role = undefined;
  office.references.clear();
  if (office.config.auth.mode === 'cognito') {
    office.live?.close();
    cognitoSignOut(office.config.auth);
    return;
  }
  history.replaceState(null, '', location.pathname);
  enterSignIn();
  announce('You are signed out.');
}

/** A token the API accepts: the kept one while it has a minute left, else a refreshed one, else sign in again. */
async function validToken() {
  if (office.token && !expiresWithin(office.token, 60_000)) return office.token;
  const refreshToken = sessionStorage.getItem(refreshKey);
  if (office.config.auth.mode === 'cognito' && refreshToken) {
    const answer = await refreshCognitoTokens(office.config.auth, refreshToken).catch(() => undefined);
    if (answer?.id_token) {
      keep(answer.id_token);
      // The live channel carries its token in its address: it opens again with the new one.
      office.live?.reconnect();
      return office.token;
    }
  }
  throw new ApiError('Your sign-in has ended. Sign in again.', { status: 401 });
}

/**
 * Calls the API as the signed-in role; answers the JSON, or with `text: true` the answer's text and headers (a
 * CSV). Errors are ApiErrors in the API's words.
 */
async function api(path, { method = 'GET', body, ifMatch, idempotencyKey, headers: extra, text = false } = {}) {
  const headers = { accept: 'application/json', ...extra };
  try {
    headers.authorization = `Bearer ${await validToken()}`;
  } catch (error) {
    signInAgain();
    throw error;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (ifMatch !== undefined) headers['if-match'] = ifMatch;
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  try {
    const answer = await fetchAnswer(apiUrl(office.config, path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return text ? { text: answer.text, headers: answer.response.headers } : answer.data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signInAgain();
    throw error;
  }
}

function signInAgain() {
  tokens.clear();
  office.token = undefined;
  enterSignIn();
  showProblem(new ApiError('Your sign-in has ended. Sign in again.'));
}

/** Every record of a reference list, read once and kept for a minute (names of engineers, customers, sites...). */
function reference(list) {
  const kept = office.references.get(list);
  if (kept && Date.now() - kept.at < 60_000) return kept.records;
  const records = (async () => {
    const all = [];
    let cursor;
    do {
      const page = await api(`v1/${list}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  })();
  office.references.set(list, { at: Date.now(), records });
  records.catch(() => office.references.delete(list));
  return records;
}

// --- Live -------------------------------------------------------------------------------------------------------

function startLive() {
  office.live?.close();
  office.live = openLive({
    config: office.config,
    token: validToken,
    readFeed: (after, limit) => api(`v1/events?limit=${limit}${after ? `&after=${after}` : ''}`),
    deliver,
    status: liveStatus,
  });
}

function deliver(event) {
  // Other scripts on the page (and its tests) may follow the same events.
  window.dispatchEvent(new CustomEvent('office:event', { detail: event }));
  for (const listener of office.current?.listeners ?? []) {
    try {
      listener(event);
    } catch (error) {
      console.error('[office] a live listener failed', error);
    }
  }
}

function liveStatus(state, why) {
  if (state === 'down') {
    setLive(
      why === 'offline'
        ? 'Offline: live updates have stopped. The page catches up when the connection is back.'
        : 'Live updates are interrupted: reconnecting. Meanwhile the page reads changes every few seconds.',
      true,
    );
  } else if (state === 'live' && byId('live').classList.contains('down')) {
    setLive('Live updates are back: the page has caught up.');
    setTimeout(() => {
      if (!byId('live').classList.contains('down')) setLive('');
    }, 4_000);
  }
}

function setLive(text, down = false) {
  const banner = byId('live');
  banner.textContent = text;
  banner.classList.toggle('down', down);
  banner.classList.toggle('shown', Boolean(text));
}

// --- Screens ----------------------------------------------------------------------------------------------------

function parseRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = hash.split('?');
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  const screen = routes[parts[0]] ? parts[0] : 'jobs';
  return { screen, module: routes[screen], params: { id: parts[1], rest: parts.slice(2) }, query: search };
}

async function route() {
  if (!office.token) return;
  const generation = ++office.generation;
  const next = parseRoute();
  leaveScreen();
  clearAlert();
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.screen === next.screen) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const main = h('div', { class: `screen-${next.screen}` });
  byId('screen').replaceChildren(main);
  const listeners = new Set();
  office.current = { key: location.hash, listeners, cleanup: undefined };
  const ctx = {
    api,
    role: office.role,
    config: office.config,
    params: next.params,
    query: new URLSearchParams(next.query),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    navigate(hash) {
      location.hash = hash;
    },
    announce,
    reference,
    report,
  };
  let module;
  try {
    module = await import(`./${next.module}.js`);
  } catch (error) {
    console.error(error);
    if (generation !== office.generation) return;
    main.replaceChildren(
      h('h1', { tabindex: '-1', text: 'Not available' }),
      h('p', { text: 'This part of the office console is not available yet.' }),
    );
    focusHeading(main);
    return;
  }
  if (generation !== office.generation) return;
  main.append(h('p', { class: 'loading', text: 'Loading…' }));
  try {
    const cleanup = await module.show(main, ctx);
    if (generation !== office.generation) {
      if (typeof cleanup === 'function') cleanup();
      return;
    }
    office.current.cleanup = typeof cleanup === 'function' ? cleanup : undefined;
  } catch (error) {
    if (generation !== office.generation) return;
    report(error);
  } finally {
    if (generation === office.generation) main.querySelector(':scope > .loading')?.remove();
  }
  if (generation === office.generation) focusHeading(main);
}

function leaveScreen() {
  const current = office.current;
  office.current = undefined;
  if (!current) return;
  current.listeners.clear();
  try {
    current.cleanup?.();
  } catch (error) {
    console.error('[office] a screen failed to clean up', error);
  }
}

/** A new screen: its heading takes the focus (a screen reader reads where the user is) and names the page. */
function focusHeading(main) {
  const heading = main.querySelector('h1');
  if (!heading) return;
  document.title = `${heading.textContent} – FieldOps office`;
  if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
  heading.focus();
}

// --- Saying things ----------------------------------------------------------------------------------------------

function announce(text) {
  const region = byId('announce');
  // The same words twice are still read out: the region is emptied first.
  region.textContent = '';
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

function showProblem(error) {
  const problem = error instanceof ApiError ? error : new ApiError(error?.message || 'Something went wrong.');
  const lines = [problem.message, ...(problem.errors ?? []).map((fieldError) => fieldError.message)];
  byId('alert').replaceChildren(
    h('h2', { text: 'There is a problem' }),
    ...lines.filter(Boolean).map((line) => h('p', { text: line })),
  );
  byId('alert').focus();
}

function clearAlert() {
  byId('alert').replaceChildren();
}

function report(error) {
  console.error(error);
  show('loading', false);
  showProblem(error);
}
