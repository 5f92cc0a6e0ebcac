// The customer web form: sign in, log a request with POST /v1/requests (at one of the customer's sites from
// GET /v1/me, or at a new address), follow it with GET /v1/requests[/{id}] and the messages and documents of its work
// order, choose the time of its visit among the free ones (GET /v1/requests/{id}/slots, POST /v1/requests/{id}/slot),
// and find the customer's invoices (GET /v1/invoices) with their PDFs.
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
  /** The request shown in "My requests" detail: `{ id, status, bookedWindow }` as last shown. */
  followed: undefined,
  /** The followed request's site's clock (the business's, unless the site has its own): its times are shown in it. */
  timeZone: undefined,
  /** Counts the reads of the times offered, so an answer overtaken by a later read (or a closed chooser) is dropped. */
  slotsRead: 0,
  booking: false,
  /** The signed-in customer (GET /v1/me): `{ name, contacts, sites }`. */
  me: undefined,
  /** The customer's sites by id, and their requests listed in "My requests" by id. */
  sites: new Map(),
  requests: new Map(),
  /** Where the next page of "My invoices" starts, when there is one. */
  invoicesCursor: undefined,
};

/**
 * A document's link works for five minutes (the API signs it so): one older than this is renewed from the API when
 * it is opened, rather than opened to an "expired" answer.
 */
const linkLifeMs = 4 * 60_000;

const channelLabels = { email: 'E-mail', sms: 'Text message' };

/** Once someone is on the way (or the job is over or refused) the visit's time can no longer be chosen. */
const unbookable = new Set([
  'en_route',
  'on_site',
  'in_progress',
  'paused',
  'completed',
  'closed',
  'cancelled',
  'rejected',
]);

/** The coming week: the API's default, and as many times as a phone screen lists comfortably. */
const slotDays = 7;

/** How many of the business's best times are marked "Suggested". */
const suggestedCount = 3;

/** Problems with the time of the visit are shown beside it, where the customer is, not at the top of the page. */
const visitProblems = { alert: 'visit-alert', heading: 'h4' };

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
  byId('site-choices').addEventListener('change', syncSiteChoice);
  byId('refresh-list').addEventListener('click', () => loadLists({ announce: true }).catch(report));
  byId('refresh-followed').addEventListener('click', () => follow(page.followed?.id, { announce: true }).catch(report));
  byId('more-invoices').addEventListener('click', () => loadInvoices({ more: true }).catch(report));
  byId('choose-time').addEventListener('click', toggleChooser);
  byId('slots-form').addEventListener('change', (event) => {
    if (event.target.name === 'slotKind') loadSlots({ announce: true }).catch(showVisitProblem);
  });
  byId('slots-form').addEventListener('submit', (event) => {
    event.preventDefault();
    bookChosen();
  });
}

// --- Signing in -------------------------------------------------------------------------------------------------

async function enterSignIn() {
  forgetCustomer();
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
  show('sign-in', false);
  const [me] = await Promise.all([loadMe(), loadCategories()]);
  page.me = me;
  page.sites = new Map(me.sites.map((site) => [site.siteId, site]));
  byId('account-name').textContent = me.name;
  show('account');
  showSites(me.sites);
  prefillContact();
  show('sections');
  show('request');
  show('mine');
  show('invoices');
  await loadLists();
}

/**
 * Who is signed in: their name, contacts and sites. Without it (the customer's record cannot be read) the form still
 * works, with a typed address; the customer's id is never shown in place of their name.
 */
async function loadMe() {
  try {
    return await callApi('v1/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    console.warn('GET /v1/me failed; the form asks for the address', error);
    const claims = claimsOf(page.token);
    return { name: claims.name ?? claims.email ?? 'your account', contacts: [], sites: [] };
  }
}

/** Nothing of the last customer stays on the page when they sign out or their session ends. */
function forgetCustomer() {
  for (const id of ['account', 'sections', 'request', 'logged', 'mine', 'followed', 'invoices']) show(id, false);
  closeChooser();
  Object.assign(page, {
    me: undefined,
    sites: new Map(),
    requests: new Map(),
    followed: undefined,
    pending: undefined,
    invoicesCursor: undefined,
  });
  byId('account-name').textContent = '';
  byId('request-form').reset();
  showSites([]);
  for (const id of ['mine-list', 'followed-facts', 'visit-alert', 'messages', 'documents', 'invoices-list'])
    byId(id).replaceChildren();
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

/** The customer's first contact (else the token's name and e-mail) in the contact fields left empty. */
function prefillContact() {
  const contact = page.me?.contacts[0] ?? {};
  const claims = claimsOf(page.token);
  const fill = (id, value) => {
    if (!byId(id).value && value) byId(id).value = value;
  };
  fill('contact-name', contact.name ?? claims.name);
  fill('contact-phone', contact.phone);
  fill('contact-email', contact.email ?? claims.email);
}

/**
 * "Where is the job?": one radio button per site of the customer's and "Somewhere else", which reveals the address
 * fields. None is chosen for them (a wrong address chosen unseen costs a wasted visit). A customer without sites
 * sees only the address fields.
 */
function showSites(sites) {
  const choices = byId('site-choices');
  if (sites.length === 0) {
    choices.replaceChildren();
  } else {
    choices.replaceChildren(
      ...sites.map((site, index) => siteChoice(`site-${index}`, site.siteId, { site })),
      siteChoice('site-other', '', { label: 'Somewhere else' }),
    );
  }
  show('site-choices', sites.length > 0);
  syncSiteChoice();
}

/** A radio button labelled with a site (its name in bold, then its address and postcode, one line that wraps). */
function siteChoice(id, value, { site, label: text }) {
  const choice = document.createElement('div');
  choice.className = 'choice';
  const input = document.createElement('input');
  input.type = 'radio';
  input.name = 'siteId';
  input.id = id;
  input.value = value;
  const label = document.createElement('label');
  label.htmlFor = id;
  const title = document.createElement('span');
  title.className = 'choice-title';
  title.textContent = site ? (site.name ?? site.address) : text;
  label.append(title);
  if (site) label.append(site.name ? `, ${site.address}, ${site.postcode}` : `, ${site.postcode}`);
  choice.append(input, label);
  return choice;
}

function siteText(site) {
  return `${site.name ? `${site.name}, ` : ''}${site.address}, ${site.postcode}`;
}

function chosenSiteId() {
  return document.querySelector('input[name="siteId"]:checked')?.value || undefined;
}

/** The address fields are there when the job is somewhere else, or when the customer has no site to choose. */
function syncSiteChoice() {
  const choosing = !byId('site-choices').hidden;
  show('new-address', !choosing || byId('site-other').checked);
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
    const newAddress = !chosenSiteId();
    form.reset();
    syncSiteChoice();
    prefillContact();
    showLogged(logged, { newAddress });
    loadLists().catch(report);
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
  const siteId = chosenSiteId();
  const body = {
    category: value('category'),
    // A known site goes on to scheduling at once; a new address waits for the office to confirm it.
    ...(siteId ? { siteId } : { site: { address: value('address'), postcode: value('postcode').toUpperCase() } }),
    description: value('description'),
    contact,
    // So the office sees the request came from the web form.
    source: 'web',
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
    siteId: 'Choose where the job is.',
    address: 'Enter the address of the job.',
    postcode: 'Enter the postcode.',
    description: 'Describe the problem.',
    contactName: 'Enter the name of the person to contact.',
    contactPhone: 'Enter a phone number.',
    contactEmail: 'Enter an email address like name@example.com.',
  };
  const errors = [];
  for (const [name, message] of Object.entries(messages)) {
    if (name === 'siteId') {
      const choosing = !byId('site-choices').hidden;
      if (choosing && !form.querySelector('input[name="siteId"]:checked')) errors.push({ path: 'site', message });
      continue;
    }
    const field = form.elements[name];
    // The address fields count only while they are shown ("Somewhere else", or no site to choose).
    if (field.closest('[hidden]')) continue;
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

function showLogged(logged, { newAddress = false } = {}) {
  byId('logged-ref').textContent = logged.ref;
  byId('logged-status').textContent = statusLabels[logged.status] ?? logged.status;
  byId('logged-priority').textContent = priorityLabels[logged.priority] ?? logged.priority;
  byId('logged-sla').textContent = formatTime(logged.slaDueAt);
  show('logged-linked', Boolean(logged.linked));
  show('logged-new-address', newAddress && !logged.linked && logged.status === 'logged');
  show('logged');
  say(`Request ${logged.ref} is logged.`);
  byId('logged').focus();
}

// --- Problems ---------------------------------------------------------------------------------------------------

/**
 * The problem in an alert region (the page's, unless `alert` names another, with a heading of its level), each field
 * error also next to its field (linked from the summary).
 */
function showProblem(error, { alert: alertId = 'alert', heading: level = 'h2' } = {}) {
  const problem = error instanceof ApiError ? error : new ApiError('Something went wrong. Try again.');
  const alert = byId(alertId);
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
  const heading = document.createElement(level);
  heading.textContent = 'There is a problem';
  const detail = document.createElement('p');
  detail.textContent = problem.message;
  alert.replaceChildren(heading, detail, ...(problem.errors.length > 0 ? [list] : []));
  alert.focus();
}

/** Clears an alert region (the page's by default) and the field errors within `scope`. */
function clearProblems({ alert = 'alert', scope = document } = {}) {
  byId(alert).replaceChildren();
  for (const message of scope.querySelectorAll('.field-error')) {
    message.textContent = '';
    message.hidden = true;
  }
  for (const control of scope.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

/**
 * Where an error about `path` (`site.address`, `body.preferredWindow`...) is shown: the closest element of the
 * form whose `data-path` is the path or one of its parents, and that has its own error message.
 */
function errorTarget(path) {
  // A chosen site that the API refuses is shown on the question it answers.
  const segments = path
    .replace(/^body\./, '')
    .replace(/^siteId$/, 'site')
    .split('.');
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

/** "My requests" and "My invoices", afresh. */
async function loadLists({ announce = false } = {}) {
  const [requests, invoices] = await Promise.all([loadMyRequests(), loadInvoices()]);
  if (announce) say(`${count(requests, 'request')} and ${count(invoices, 'invoice')} listed.`);
}

async function loadMyRequests() {
  const { items } = await callApi('v1/requests?limit=50');
  page.requests = new Map(items.map((request) => [request.id, request]));
  const list = byId('mine-list');
  list.replaceChildren(...items.map(requestItem));
  show('mine-empty', items.length === 0);
  return items.length;
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
  const site = page.sites.get(request.siteId);
  if (site) {
    const where = document.createElement('p');
    where.className = 'hint';
    where.textContent = `At ${siteText(site)}`;
    title.after(where);
  }
  return item;
}

/**
 * Shows one request as the customer sees it (GET /v1/requests/{id}), with what the business sent about it and its
 * documents; says so when its status has moved on.
 */
async function follow(id, { announce = false } = {}) {
  if (!id) return;
  const path = encodeURIComponent(id);
  const [request, messages, documents] = await Promise.all([
    callApi(`v1/requests/${path}`),
    callApi(`v1/work-orders/${path}/messages`),
    callApi(`v1/work-orders/${path}/documents`),
  ]);
  const before = page.followed?.id === id ? page.followed.status : undefined;
  page.followed = { id, status: request.status, bookedWindow: request.bookedWindow ?? null };
  page.timeZone = request.timeZone;
  byId('followed-title').textContent = `${request.ref}: ${page.categories.get(request.category) ?? request.category}`;
  const facts = [
    ['Status', statusLabels[request.status] ?? request.status],
    ['Priority', priorityLabels[request.priority] ?? request.priority],
    ['We aim to respond by', formatTime(request.slaDueAt)],
    ['Logged', formatTime(request.loggedAt)],
    ['Where', whereOf(request)],
    request.visits?.length > 1
      ? [
          'Visits',
          request.visits.map((v) => `${dayText(v.start)}, ${clockText(v.start)} to ${clockText(v.end)}`).join('; '),
        ]
      : ['Visit', request.scheduledStart ? formatTime(request.scheduledStart) : 'Not booked yet'],
    ['Engineer', request.engineer?.firstName ?? 'Not assigned yet'],
    ['Outcome', request.outcome ? (outcomeLabels[request.outcome] ?? request.outcome) : undefined],
    ['Your description', request.description],
  ];
  byId('followed-facts').replaceChildren(...factsOf(facts));
  showVisit(request, { another: before === undefined });
  showMessages(messages.items);
  showDocuments(byId('documents'), documents.items);
  show('documents-empty', documents.items.length === 0);
  show('documents-hint', documents.items.length > 0);
  show('followed');
  const label = statusLabels[request.status] ?? request.status;
  if (before === undefined) byId('followed').focus();
  else if (before !== request.status) say(`${request.ref} has moved on: ${label}.`);
  else if (announce) say(`${request.ref} is unchanged: ${label}.`);
}

function whereOf(request) {
  if (!request.siteId) return 'The new address you gave, which our office confirms first';
  const site = page.sites.get(request.siteId);
  return site ? siteText(site) : undefined;
}

/**
 * What the business sent the customer about the job, oldest first, as a list of dated entries. An e-mail the customer
 * opened stays open when the list is refreshed.
 */
function showMessages(messages) {
  const list = byId('messages');
  const open = new Set([...list.querySelectorAll('details[open]')].map((details) => details.dataset.messageId));
  const sorted = [...messages].sort((a, b) => Date.parse(sentAt(a)) - Date.parse(sentAt(b)));
  list.replaceChildren(...sorted.map((message) => messageItem(message, open.has(message.id))));
  show('messages-empty', sorted.length === 0);
}

const sentAt = (message) => message.sentAt ?? message.createdAt;

function messageItem(message, open) {
  const item = document.createElement('li');
  const meta = document.createElement('p');
  meta.className = 'meta';
  const time = document.createElement('time');
  time.dateTime = sentAt(message);
  time.textContent = formatTime(sentAt(message));
  meta.append(time, `, ${channelLabels[message.channel] ?? message.channel}`);
  item.append(meta);
  const text = document.createElement('p');
  text.className = 'message-text';
  text.textContent = message.text;
  if (message.subject) {
    // An e-mail shows its subject; its text opens beneath it.
    const details = document.createElement('details');
    details.dataset.messageId = message.id;
    details.open = open;
    const summary = document.createElement('summary');
    summary.textContent = message.subject;
    details.append(summary, text);
    item.append(details);
  } else {
    item.append(text);
  }
  return item;
}

/** The order a job's documents are listed in: what was done, then what it costs. */
const documentOrder = ['job_report', 'gas_safety_record', 'quote', 'invoice'];

/** Links to documents, each named for what it is ("Job report WO-000123 (PDF)"), opening in a new tab. */
function showDocuments(list, documents) {
  const sorted = [...documents].sort((a, b) => documentOrder.indexOf(a.kind) - documentOrder.indexOf(b.kind));
  list.replaceChildren(
    ...sorted.map((document_) => {
      const item = document.createElement('li');
      item.append(documentLink(document_, `${document_.title} (PDF)`));
      const date = document.createElement('span');
      date.className = 'meta';
      date.textContent = ` ${formatDate(document_.createdAt)}`;
      item.append(date);
      return item;
    }),
  );
}

function documentLink(document_, text) {
  const link = document.createElement('a');
  link.href = document_.url;
  link.target = '_blank';
  link.rel = 'noopener';
  link.textContent = text;
  link.dataset.documentId = document_.id;
  link.dataset.workOrderId = document_.workOrderId ?? '';
  link.dataset.fetchedAt = String(Date.now());
  link.addEventListener('click', openDocument);
  return link;
}

/**
 * A fresh link opens as links do. An old one is renewed first: the tab is opened now, while the click still counts as
 * the customer's (a tab opened after an await is a blocked pop-up), and sent to the renewed link when it arrives.
 */
function openDocument(event) {
  const link = event.currentTarget;
  if (Date.now() - Number(link.dataset.fetchedAt) < linkLifeMs) return;
  event.preventDefault();
  const tab = window.open('', '_blank');
  renewLink(link)
    .then((url) => {
      if (!tab) {
        say('The link to the document is renewed: open it again.');
        return;
      }
      // As rel="noopener": the document's page cannot reach back into this one.
      tab.opener = null;
      tab.location.replace(url);
    })
    .catch((error) => {
      tab?.close();
      report(error);
    });
}

/** A new short-lived link for the document behind `link`, from its work order's documents; the link keeps it. */
async function renewLink(link) {
  const { documentId, workOrderId } = link.dataset;
  const { items } = await callApi(`v1/work-orders/${encodeURIComponent(workOrderId)}/documents`);
  const renewed = items.find((document_) => document_.id === documentId);
  if (!renewed) throw new ApiError('That document is no longer available. Refresh the list.');
  link.href = renewed.url;
  link.dataset.fetchedAt = String(Date.now());
  return renewed.url;
}

// --- The time of the visit --------------------------------------------------------------------------------------

/**
 * "Time of the visit" of the followed request: the window booked, if any, and the chooser while the visit can still
 * be moved. Another request followed starts with the chooser closed and no problem of the last one shown.
 */
function showVisit(request, { another }) {
  if (another) {
    closeChooser();
    clearProblems({ alert: 'visit-alert', scope: byId('slots-form') });
  }
  const bookable = !unbookable.has(request.status);
  show('visit', bookable);
  if (!bookable) closeChooser();
  const booked = request.bookedWindow;
  byId('visit-booked').textContent = booked ? `Your visit is booked for ${windowText(booked, 'between')}.` : '';
  show('visit-booked', Boolean(booked));
  show('visit-hint', !booked);
  byId('choose-time').textContent = booked ? 'Change the time' : 'Choose a time for the visit';
}

/** Opens the chooser and reads the times offered, or closes it. */
function toggleChooser() {
  if (!byId('slots-form').hidden) {
    closeChooser();
    return;
  }
  // The list the booked window is in (two hours long, or a half day), so that it shows as chosen.
  const booked = page.followed?.bookedWindow;
  const twoHours = booked && Date.parse(booked.to) - Date.parse(booked.from) === 2 * 3_600_000;
  byId(twoHours ? 'kind-two-hour' : 'kind-half-day').checked = true;
  show('slots-form');
  byId('choose-time').setAttribute('aria-expanded', 'true');
  loadSlots({ announce: true }).catch(showVisitProblem);
}

function closeChooser() {
  page.slotsRead++;
  show('slots-form', false);
  byId('choose-time').setAttribute('aria-expanded', 'false');
  byId('slot-days').replaceChildren();
}

/** The times the schedule can keep for the followed request in the coming days, of the length chosen. */
async function loadSlots({ announce = false } = {}) {
  const read = ++page.slotsRead;
  const kind = byId('slots-form').elements.slotKind.value;
  const query = new URLSearchParams({ kind, days: String(slotDays) });
  show('slots-list', false);
  show('slots-empty', false);
  show('slots-loading');
  try {
    const answer = await callApi(`v1/requests/${encodeURIComponent(page.followed.id)}/slots?${query}`);
    if (read !== page.slotsRead) return;
    page.timeZone = answer.timeZone;
    showSlots(answer.items);
    const { length } = answer.items;
    if (announce) say(length > 0 ? `${count(length, 'time')} to choose from.` : byId('slots-empty').textContent);
  } finally {
    if (read === page.slotsRead) show('slots-loading', false);
  }
}

/**
 * The times offered, a group per day of the business's calendar, each a radio button of one radio group (the arrow
 * keys go through every day's). The business's best few are marked "Suggested" when there are more than those to
 * choose from; the booked window is chosen and marked "Booked".
 */
function showSlots(items) {
  const booked = page.followed?.bookedWindow;
  const best = items.length > suggestedCount ? items.filter((slot) => slot.rank <= suggestedCount) : [];
  const suggested = new Set(best.map((slot) => slot.from));
  // The items come in time order, so each day's come together and in order.
  const days = new Map();
  for (const slot of items) {
    if (!days.has(slot.day)) days.set(slot.day, []);
    days.get(slot.day).push(slot);
  }
  byId('slot-days').replaceChildren(
    ...[...days.values()].map((slots) => {
      const fieldset = document.createElement('fieldset');
      fieldset.className = 'slot-day';
      const legend = document.createElement('legend');
      legend.textContent = dayText(slots[0].from);
      const choices = document.createElement('div');
      choices.className = 'choices';
      choices.append(
        ...slots.map((slot) =>
          slotChoice(slot, { booked: booked && sameWindow(slot, booked), suggested: suggested.has(slot.from) }),
        ),
      );
      fieldset.append(legend, choices);
      return fieldset;
    }),
  );
  byId('slots-empty').textContent =
    `No time is free in the next ${slotDays} days. Call us and we will find a time for the visit with you.`;
  show('slots-empty', items.length === 0);
  show('slots-hint', suggested.size > 0);
  show('slots-list', items.length > 0);
}

/** A radio button labelled "Afternoon, 12:00 to 17:00" (two-hour windows are named by their times alone). */
function slotChoice(slot, { booked, suggested }) {
  const choice = document.createElement('div');
  choice.className = 'choice';
  const input = document.createElement('input');
  input.type = 'radio';
  input.name = 'slot';
  input.id = `slot-${slot.from}`;
  // An ISO 8601 interval: the window exactly as offered, which is what the API books.
  input.value = `${slot.from}/${slot.to}`;
  input.checked = Boolean(booked);
  const label = document.createElement('label');
  label.htmlFor = input.id;
  const title = document.createElement('span');
  title.className = 'choice-title';
  title.textContent = slot.label;
  label.append(title);
  const times = `${clockText(slot.from)} to ${clockText(slot.to)}`;
  if (times !== slot.label) label.append(`, ${times}`);
  if (booked) label.append(tag('Booked', 'tag booked-tag'));
  if (suggested) label.append(tag('Suggested', 'tag'));
  choice.append(input, label);
  return choice;
}

/** A small mark after a time's label; the hidden comma makes the label read as "..., Suggested". */
function tag(text, className) {
  const mark = document.createElement('span');
  mark.className = className;
  const comma = document.createElement('span');
  comma.className = 'visually-hidden';
  comma.textContent = ', ';
  mark.append(comma, text);
  return mark;
}

/**
 * Books the time chosen. Booking the same window again is a replay for the API, so a resend after a dropped
 * connection needs no Idempotency-Key; a second submit while one is on its way is ignored.
 */
async function bookChosen() {
  if (page.booking) return;
  const form = byId('slots-form');
  clearProblems({ alert: 'visit-alert', scope: form });
  const chosen = form.querySelector('input[name="slot"]:checked');
  if (!chosen) {
    const message = 'Choose a time for the visit.';
    showProblem(new ApiError('No time is chosen.', { errors: [{ path: 'slot', message }] }), visitProblems);
    return;
  }
  const [from, to] = chosen.value.split('/');
  const { id } = page.followed;
  const button = byId('book-slot');
  page.booking = true;
  button.setAttribute('aria-disabled', 'true');
  button.textContent = 'Booking…';
  try {
    const request = await callApi(`v1/requests/${encodeURIComponent(id)}/slot`, {
      method: 'POST',
      body: JSON.stringify({ from, to }),
    });
    // Shown from the answer at once; the status it brings is not news to announce when the view is read again.
    page.followed = { id, status: request.status, bookedWindow: request.bookedWindow };
    closeChooser();
    showVisit(request, { another: false });
    byId('visit-booked').focus();
    say(byId('visit-booked').textContent);
    // The visit's planned start (and perhaps its engineer) moved with the booking.
    follow(id).catch(report);
  } catch (error) {
    await bookingFailed(error, { id, window: { from, to } }).catch(showVisitProblem);
  } finally {
    page.booking = false;
    button.removeAttribute('aria-disabled');
    button.textContent = 'Book this time';
  }
}

/**
 * A window taken meanwhile: said so, and the times read again, while focus stays on the message just above them. Too
 * late (the engineer set off): said so, and the request read again, which takes the chooser away.
 */
async function bookingFailed(error, { id, window }) {
  if (error instanceof ApiError && error.code === 'booking.unavailable') {
    const message = `${windowText(window, 'from')} was just taken by someone else. Choose another time below.`;
    showProblem(new ApiError(message), visitProblems);
    await loadSlots();
  } else if (error instanceof ApiError && error.code === 'booking.too_late') {
    const message = 'The engineer is already on the way, so the time of the visit can no longer be changed.';
    showProblem(new ApiError(message), visitProblems);
    await follow(id);
  } else {
    showVisitProblem(error);
  }
}

/** A problem with the time of the visit, beside it; an ended session goes to the page's alert with the sign-in. */
function showVisitProblem(error) {
  if (error instanceof ApiError && error.status === 401) {
    report(error);
    return;
  }
  showProblem(error, visitProblems);
}

function sameWindow(a, b) {
  return Date.parse(a.from) === Date.parse(b.from) && Date.parse(a.to) === Date.parse(b.to);
}

/** "Thursday 3 December, between 12:00 and 17:00" (`between`), or "Thursday 3 December, 12:00 to 17:00" (`from`). */
function windowText(window, style) {
  const [start, end] = [clockText(window.from), clockText(window.to)];
  return `${dayText(window.from)}, ${style === 'between' ? `between ${start} and ${end}` : `${start} to ${end}`}`;
}

// --- My invoices ------------------------------------------------------------------------------------------------

/**
 * The customer's invoices, newest first, each with its PDF: the invoice documents' links (GET /v1/documents) are
 * direct links a new tab can open, which the PDF route's redirect, needing the token, is not.
 */
async function loadInvoices({ more = false } = {}) {
  const query = new URLSearchParams({ limit: '20' });
  if (more && page.invoicesCursor) query.set('cursor', page.invoicesCursor);
  const [invoices, documents] = await Promise.all([callApi(`v1/invoices?${query}`), callApi('v1/documents?limit=200')]);
  const pdfs = new Map(documents.items.filter((d) => d.kind === 'invoice').map((d) => [d.id, d]));
  // An invoice older than the documents listed: its PDF from its work order's documents.
  const missing = invoices.items.filter((invoice) => !pdfs.has(`invoice_${invoice.id}`));
  const found = await Promise.all(
    missing.map((invoice) =>
      callApi(`v1/work-orders/${encodeURIComponent(invoice.workOrderId)}/documents`).catch((error) => {
        // One PDF not found yet leaves that invoice without its link, not the list without its invoices.
        if (error instanceof ApiError && error.status === 401) throw error;
        return { items: [] };
      }),
    ),
  );
  for (const { items } of found) for (const d of items) if (d.kind === 'invoice') pdfs.set(d.id, d);

  const list = byId('invoices-list');
  const items = invoices.items.map((invoice) => invoiceItem(invoice, pdfs.get(`invoice_${invoice.id}`)));
  if (more) list.append(...items);
  else list.replaceChildren(...items);
  page.invoicesCursor = invoices.nextCursor ?? undefined;
  const shown = list.children.length;
  show('invoices-empty', shown === 0);
  show('invoices-hint', shown > 0);
  show('more-invoices', Boolean(page.invoicesCursor));
  // "Show older invoices" may go: the customer carries on from the first of the older ones.
  if (more) items[0]?.focus();
  return shown;
}

function invoiceItem(invoice, pdf) {
  const item = document.createElement('li');
  item.tabIndex = -1;
  const name = invoice.number ? `Invoice ${invoice.number}` : `Invoice of ${formatDate(invoice.issuedAt)}`;
  const title = document.createElement('p');
  title.className = 'request-title';
  const strong = document.createElement('strong');
  strong.textContent = invoice.number ?? 'Invoice (its number follows shortly)';
  title.append(strong);
  const request = page.requests.get(invoice.workOrderId);
  const facts = [
    ['Issued', formatDate(invoice.issuedAt)],
    ['For', request ? `${request.ref}, ${page.categories.get(request.category) ?? request.category}` : undefined],
    ['Total', money(invoice.totalMinor, invoice.currency)],
  ];
  const list = document.createElement('dl');
  list.className = 'facts';
  list.append(...factsOf(facts));
  item.append(title, list);
  if (pdf) {
    item.append(documentLink({ ...pdf, workOrderId: pdf.workOrderId ?? invoice.workOrderId }, `${name} (PDF)`));
  } else {
    const waiting = document.createElement('p');
    waiting.textContent = 'Its PDF is being made: refresh the list in a minute.';
    item.append(waiting);
  }
  return item;
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

/** `[term, value]` pairs as a description list's terms and details, leaving out those without a value. */
function factsOf(facts) {
  return facts
    .filter(([, value]) => value !== undefined)
    .flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    });
}

function count(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function formatDate(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(iso));
}

function money(minor, currency) {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
}

/** "Thursday 3 December" and "12:00" on the site's clock (the request's `timeZone`), as the windows are its hours. */
function dayText(iso) {
  const options = { timeZone: page.timeZone, weekday: 'long', day: 'numeric', month: 'long' };
  return new Intl.DateTimeFormat('en-GB', options).format(new Date(iso));
}

function clockText(iso) {
  const options = { timeZone: page.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  return new Intl.DateTimeFormat('en-GB', options).format(new Date(iso));
}

function formatTime(iso) {
  if (!iso) return '';
  const options = { timeZone: page.timeZone, dateStyle: 'medium', timeStyle: 'short' };
  return new Intl.DateTimeFormat(undefined, options).format(new Date(iso));
}
