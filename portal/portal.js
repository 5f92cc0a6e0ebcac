// The customer web form: sign in, log a request with POST /v1/requests, follow it with GET /v1/requests[/{id}].
// Plain browser JavaScript with no build step. It reads config.json beside it: locally
// `{ apiUrl, auth: { mode: 'local' } }` (a demo customer's token from /local/token), deployed
// `{ apiUrl, auth: { mode: 'cognito', domain, clientId, redirectUri } }` (managed login, code flow with PKCE); the
// sign-in and the API calls are common/sign-in.js's, shared with the engineer's app.
// The page is built for a Content-Security-Policy without 'unsafe-inline': no inline script, style or handlers,
// and no innerHTML (server text is only ever set as textContent).

import { outcomeLabels, priorityLabels } from '../common/labels.js';
import {
  ApiError,
  apiUrl,
  claimsOf,
  cognitoSignOut,
  demoIds,
  fetchJson,
  finishCognitoSignIn,
  loadConfig,
  localToken,
  newKey,
  readableId,
  startCognitoSignIn,
  tokenStore,
} from '../common/sign-in.js';

const tokens = tokenStore(sessionStorage, 'fieldops.portal.token');
const signInKey = 'fieldops.portal.sign-in';

const statusLabels = {
  logged: 'Logged, with the office',
  pending_approval: 'Waiting for approval',
  rejected: 'Not approved',
  ready_to_schedule: 'Being scheduled',
  scheduled: 'Visit booked',
  dispatched: 'Engineer assigned',
  acknowledged: 'Engineer confirmed',
  en_route: 'Engineer on the way',
  on_site: 'Engineer on site',
  in_progress: 'Work in progress',
  paused: 'Work paused',
  completed: 'Work completed',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

const page = {
  config: undefined,
  token: undefined,
  categories: new Map(),
  /** The submission being sent or last failed: `{ body, key }`. Resending the same body reuses its key. */
  pending: undefined,
  sending: false,
  /** The id of the request shown in "My requests" detail, and the status last shown for it. */
  followed: undefined,
};

const byId = (id) => document.getElementById(id);
const show = (id, visible = true) => {
  byId(id).hidden = !visible;
};

start().catch(report);

async function start() {
  page.config = await loadConfig();
  wire();
  // A failed return from sign-in is reported, and the page offers to sign in again.
  if (page.config.auth.mode === 'cognito') await finishSignIn().catch(report);
  page.token = tokens.get();
  show('loading', false);
  if (page.token) await enterSignedIn();
  else await enterSignIn();
}

function wire() {
  byId('local-sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    signInLocally().catch(report);
  });
  byId('cognito-button').addEventListener('click', () => startCognitoSignIn(page.config.auth, signInKey).catch(report));
  byId('sign-out').addEventListener('click', signOut);
  byId('request-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submitRequest();
  });
  byId('refresh-list').addEventListener('click', () => loadMyRequests({ announce: true }).catch(report));
  byId('refresh-followed').addEventListener('click', () => follow(page.followed?.id, { announce: true }).catch(report));
}

// --- Signing in -------------------------------------------------------------------------------------------------

async function enterSignIn() {
  show('account', false);
  show('request', false);
  show('logged', false);
  show('mine', false);
  show('sign-in');
  if (page.config.auth.mode === 'local') {
    const seed = await demoIds(page.config);
    const select = byId('demo-customer');
    select.replaceChildren(...seed.customers.map((id) => new Option(`${readableId(id)} (${id})`, id)));
    show('local-sign-in');
  } else {
    show('cognito-sign-in');
  }
}

async function enterSignedIn() {
  const claims = claimsOf(page.token);
  byId('account-name').textContent =
    claims.email ?? claims.name ?? claims.customerId ?? claims['custom:customerId'] ?? '';
  show('sign-in', false);
  show('account');
  await loadCategories();
  prefillContact(claims);
  show('request');
  show('mine');
  await loadMyRequests();
}

async function signInLocally() {
  const customerId = byId('demo-customer').value;
  keepToken(await localToken(page.config, { role: 'customer', customerId }));
  await enterSignedIn();
  byId('main').focus();
}

/** Back from managed login: the API's authorizer takes the ID token, which carries the role and customerId. */
async function finishSignIn() {
  const signedIn = await finishCognitoSignIn(page.config.auth, signInKey);
  if (signedIn) keepToken(signedIn.id_token);
}

function signOut() {
  tokens.clear();
  page.token = undefined;
  if (page.config.auth.mode === 'cognito') {
    cognitoSignOut(page.config.auth);
    return;
  }
  say('You are signed out.');
  enterSignIn().catch(report);
}

function keepToken(token) {
  tokens.set(token);
  page.token = token;
}

// --- The request form -------------------------------------------------------------------------------------------

async function loadCategories() {
  const { items } = await callApi('v1/categories');
  page.categories = new Map(items.map((category) => [category.id, category.name]));
  const select = byId('category');
  select.replaceChildren(
    new Option('Choose one', ''),
    ...items.map((category) => new Option(category.name, category.id)),
  );
}

function prefillContact(claims) {
  if (!byId('contact-name').value && claims.name) byId('contact-name').value = claims.name;
  if (!byId('contact-email').value && claims.email) byId('contact-email').value = claims.email;
}

/**
 * Sends the form once. A second submit while one is on its way is ignored; a resend of the same details after a
 * failure (a dropped connection) carries the same Idempotency-Key, so the API logs the request at most once.
 */
async function submitRequest() {
  if (page.sending) return;
  const form = byId('request-form');
  clearProblems();
  const invalid = checkFields(form);
  if (invalid.length > 0) {
    showProblem(new ApiError('Some details are missing or wrong.', { errors: invalid }));
    return;
  }
  const body = JSON.stringify(requestBody(form));
  if (page.pending?.body !== body) page.pending = { body, key: newKey() };
  const { key } = page.pending;
  page.sending = true;
  byId('submit').setAttribute('aria-disabled', 'true');
  byId('submit').textContent = 'Sending…';
  try {
    const logged = await callApi('v1/requests', { method: 'POST', body, idempotencyKey: key });
    page.pending = undefined;
    form.reset();
    prefillContact(claimsOf(page.token));
    showLogged(logged);
    loadMyRequests().catch(report);
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'network') {
      error.message = 'We could not tell whether your request arrived. Send it again: it will not be logged twice.';
    }
    showProblem(error);
  } finally {
    page.sending = false;
    byId('submit').removeAttribute('aria-disabled');
    byId('submit').textContent = 'Send request';
  }
}

function requestBody(form) {
  const value = (name) => form.elements[name].value.trim();
  const contact = { name: value('contactName') };
  if (value('contactPhone')) contact.phone = value('contactPhone');
  if (value('contactEmail')) contact.email = value('contactEmail');
  const body = {
    category: value('category'),
    site: { address: value('address'), postcode: value('postcode').toUpperCase() },
    description: value('description'),
    contact,
  };
  // datetime-local is the customer's wall-clock time; the API wants an instant with an offset.
  if (value('windowFrom') && value('windowTo')) {
    body.preferredWindow = {
      from: new Date(value('windowFrom')).toISOString(),
      to: new Date(value('windowTo')).toISOString(),
    };
  }
  return body;
}

/** What the browser can tell before sending: required fields and formats. The API judges the rest. */
function checkFields(form) {
  const messages = {
    category: 'Choose what you need.',
    address: 'Enter the address of the job.',
    postcode: 'Enter the postcode.',
    description: 'Describe the problem.',
    contactName: 'Enter the name of the person to contact.',
    contactPhone: 'Enter a phone number.',
    contactEmail: 'Enter an email address like name@example.com.',
  };
  const errors = [];
  for (const [name, message] of Object.entries(messages)) {
    const field = form.elements[name];
    const blank = field.required && field.value.trim() === '';
    if (blank || !field.validity.valid) errors.push({ path: pathOf(field), message });
  }
  if (Boolean(form.elements.windowFrom.value) !== Boolean(form.elements.windowTo.value)) {
    errors.push({ path: 'preferredWindow', message: 'Give both the start and the end of the time, or neither.' });
  }
  return errors;
}

function pathOf(field) {
  return field.closest('[data-path]')?.dataset.path ?? field.name;
}

function showLogged(logged) {
  byId('logged-ref').textContent = logged.ref;
  byId('logged-status').textContent = statusLabels[logged.status] ?? logged.status;
  byId('logged-priority').textContent = priorityLabels[logged.priority] ?? logged.priority;
  byId('logged-sla').textContent = formatTime(logged.slaDueAt);
  show('logged-linked', Boolean(logged.linked));
  show('logged');
  say(`Request ${logged.ref} is logged.`);
  byId('logged').focus();
}

// --- Problems ---------------------------------------------------------------------------------------------------

/** The problem in the alert region, each field error also next to its field (linked from the summary). */
function showProblem(error) {
  const problem = error instanceof ApiError ? error : new ApiError('Something went wrong. Try again.');
  const alert = byId('alert');
  const list = document.createElement('ul');
  for (const fieldError of problem.errors) {
    const target = errorTarget(fieldError.path);
    const item = document.createElement('li');
    if (target) {
      target.message.textContent = fieldError.message;
      target.message.hidden = false;
      target.control?.setAttribute('aria-invalid', 'true');
      const link = document.createElement('a');
      link.href = `#${target.control?.id ?? target.message.id}`;
      link.textContent = fieldError.message;
      item.append(link);
    } else {
      item.textContent = fieldError.message;
    }
    list.append(item);
  }
  const heading = document.createElement('h2');
  heading.textContent = 'There is a problem';
  const detail = document.createElement('p');
  detail.textContent = problem.message;
  alert.replaceChildren(heading, detail, ...(problem.errors.length > 0 ? [list] : []));
  alert.focus();
}

function clearProblems() {
  byId('alert').replaceChildren();
  for (const message of document.querySelectorAll('.field-error')) {
    message.textContent = '';
    message.hidden = true;
  }
  for (const control of document.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

/**
 * Where an error about `path` (`site.address`, `body.preferredWindow`...) is shown: the closest element of the
 * form whose `data-path` is the path or one of its parents, and that has its own error message.
 */
function errorTarget(path) {
  const segments = path.replace(/^body\./, '').split('.');
  for (let length = segments.length; length > 0; length--) {
    const container = document.querySelector(`[data-path="${CSS.escape(segments.slice(0, length).join('.'))}"]`);
    const message = container?.querySelector(':scope > .field-error');
    if (message) return { message, control: container.querySelector('input, select, textarea') };
  }
  return undefined;
}

/** Errors outside the form (signing in, loading, following). */
function report(error) {
  console.error(error);
  show('loading', false);
  showProblem(error);
}

function say(message) {
  byId('status').textContent = message;
}

// --- My requests ------------------------------------------------------------------------------------------------

async function loadMyRequests({ announce = false } = {}) {
  const { items } = await callApi('v1/requests?limit=50');
  const list = byId('mine-list');
  list.replaceChildren(...items.map(requestItem));
  show('mine-empty', items.length === 0);
  if (announce) say(`${items.length} request${items.length === 1 ? '' : 's'} listed.`);
}

function requestItem(request) {
  const item = document.createElement('li');
  const title = document.createElement('p');
  title.className = 'request-title';
  const ref = document.createElement('strong');
  ref.textContent = request.ref;
  title.append(ref, ` ${page.categories.get(request.category) ?? request.category}`);
  const status = document.createElement('p');
  status.textContent = `${statusLabels[request.status] ?? request.status}. Logged ${formatTime(request.loggedAt)}.`;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  const hidden = document.createElement('span');
  hidden.className = 'visually-hidden';
  hidden.textContent = ` ${request.ref}`;
  button.append('Follow', hidden);
  button.addEventListener('click', () => follow(request.id).catch(report));
  item.append(title, status, button);
  return item;
}

/** Shows one request as the customer sees it (GET /v1/requests/{id}); says so when its status has moved on. */
async function follow(id, { announce = false } = {}) {
  if (!id) return;
  const request = await callApi(`v1/requests/${encodeURIComponent(id)}`);
  const before = page.followed?.id === id ? page.followed.status : undefined;
  page.followed = { id, status: request.status };
  byId('followed-title').textContent = `${request.ref}: ${page.categories.get(request.category) ?? request.category}`;
  const facts = [
    ['Status', statusLabels[request.status] ?? request.status],
    ['Priority', priorityLabels[request.priority] ?? request.priority],
    ['We aim to respond by', formatTime(request.slaDueAt)],
    ['Logged', formatTime(request.loggedAt)],
    ['Visit', request.scheduledStart ? formatTime(request.scheduledStart) : 'Not booked yet'],
    ['Engineer', request.engineer?.firstName ?? 'Not assigned yet'],
    ['Outcome', request.outcome ? (outcomeLabels[request.outcome] ?? request.outcome) : undefined],
    ['Your description', request.description],
  ];
  byId('followed-facts').replaceChildren(
    ...facts
      .filter(([, value]) => value !== undefined)
      .flatMap(([term, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = term;
        const dd = document.createElement('dd');
        dd.textContent = value;
        return [dt, dd];
      }),
  );
  show('followed');
  const label = statusLabels[request.status] ?? request.status;
  if (before === undefined) byId('followed').focus();
  else if (before !== request.status) say(`${request.ref} has moved on: ${label}.`);
  else if (announce) say(`${request.ref} is unchanged: ${label}.`);
}

// --- HTTP -------------------------------------------------------------------------------------------------------

/** Calls the API with the customer's token; problem+json answers become a ApiError with the API's words. */
async function callApi(path, { method = 'GET', body, idempotencyKey } = {}) {
  const headers = { accept: 'application/json', authorization: `Bearer ${page.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  try {
    return await fetchJson(apiUrl(page.config, path), { method, headers, body });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      tokens.clear();
      page.token = undefined;
      enterSignIn().catch(console.error);
      throw new ApiError('Your session has ended. Sign in again.', { status: 401 });
    }
    throw error;
  }
}

// --- Formatting -------------------------------------------------------------------------------------------------

function formatTime(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
