// Reference data: customers, sites, assets, engineers, parts, job templates, depots and suppliers, a list each
// (`#/reference/<list>`), one record (`#/reference/<list>/<id>`) and a new one (`#/reference/<list>?add`). Every role of
// the office reads them; an admin adds and changes them. The API treats the eight lists alike, and so does this
// screen: one table and one form builder, driven by a short description of each list's columns and fields.
//
// A change names the version it was made from (If-Match: the record's ETag is its version), so a change made by
// someone else in between is refused (412) and the page offers the latest; only the fields changed are sent. A new
// record is sent with an Idempotency-Key made once per form, so a retried "Add" makes one record. The API's field
// errors (400, and 409 for a key already taken) are shown next to the fields they are about.

import { newKey } from '../common/sign-in.js';
import { h, money, plural, problemText, readable } from './ui.js';

// --- The lists, described ----------------------------------------------------------------------------------------

const weekdays = [
  [1, 'Monday'],
  [2, 'Tuesday'],
  [3, 'Wednesday'],
  [4, 'Thursday'],
  [5, 'Friday'],
  [6, 'Saturday'],
  [7, 'Sunday'],
];
const checklistKinds = [
  ['boolean', 'Yes or no'],
  ['number', 'A reading'],
  ['text', 'Text'],
  ['photo', 'A photo'],
];

const latLng = [
  { name: 'lat', label: 'Latitude', type: 'number', required: true },
  { name: 'lng', label: 'Longitude', type: 'number', required: true },
];

/**
 * Each list: its path under `/v1/`, its words, the record's key (`key`; `keyField` is what a new record's body names
 * it, asked for only where the admin chooses it), the table's columns and the form's fields. A field is
 * `{ name, label, type, required, hint, fixed (set once, when added), nullable (a change may clear it) }`; types are
 * below at buildField. `sources` are the other lists its selects offer.
 */
const kinds = [
  {
    list: 'customers',
    title: 'Customers',
    one: 'customer',
    key: 'customerId',
    name: (record) => record.name,
    columns: [
      { label: 'Name', value: (record) => record.name },
      { label: 'Contacts', value: (record) => record.contacts.map((contact) => contact.name).join(', ') },
      { label: 'E-mail domains', value: (record) => (record.emailDomains ?? []).join(', ') },
    ],
    fields: [
      { name: 'name', label: 'Name', type: 'text', required: true },
      {
        name: 'contacts',
        label: 'Contacts',
        one: 'contact',
        type: 'rows',
        required: true,
        min: 1,
        fields: [
          { name: 'name', label: 'Name', type: 'text', required: true },
          { name: 'email', label: 'E-mail', type: 'email' },
          { name: 'phone', label: 'Phone', type: 'text' },
        ],
      },
      {
        name: 'emailDomains',
        label: 'E-mail domains',
        type: 'words',
        hint: 'Mail from these domains is taken as this customer’s. Separate them with commas.',
      },
      {
        name: 'contract',
        label: 'Contract',
        type: 'group',
        fields: [
          {
            name: 'slaHours',
            label: 'Hours to attend, by priority',
            type: 'group',
            fields: ['P1', 'P2', 'P3', 'P4'].map((priority) => ({
              name: priority,
              label: `${priority} (hours)`,
              type: 'number',
            })),
          },
          { name: 'callOutFeeMinor', label: 'Call-out fee (£)', type: 'money' },
          { name: 'labourRateMinor', label: 'Labour rate per hour (£)', type: 'money' },
        ],
      },
    ],
  },
  {
    list: 'sites',
    title: 'Sites',
    one: 'site',
    key: 'siteId',
    sources: ['customers'],
    name: (record) => record.name ?? record.address,
    columns: [
      { label: 'Site', value: (record) => record.name ?? record.address },
      { label: 'Customer', value: (record, names) => names.customers.get(record.customerId) ?? record.customerId },
      { label: 'Address', value: (record) => `${record.address}, ${record.postcode}` },
      { label: 'Hazards', value: (record) => (record.hazards ?? []).join('; ') },
    ],
    fields: [
      { name: 'customerId', label: 'Customer', type: 'select', source: 'customers', required: true, fixed: true },
      { name: 'name', label: 'Name', type: 'text' },
      { name: 'address', label: 'Address', type: 'text', required: true },
      { name: 'postcode', label: 'Postcode', type: 'text', required: true },
      ...latLng,
      { name: 'accessInstructions', label: 'Access instructions', type: 'textarea' },
      { name: 'hazards', label: 'Hazards', type: 'lines', hint: 'One a line.' },
    ],
  },
  {
    list: 'assets',
    title: 'Assets',
    one: 'asset',
    key: 'assetId',
    sources: ['sites', 'job-templates'],
    name: (record) => [readable(record.type), record.make, record.model].filter(Boolean).join(' '),
    columns: [
      {
        label: 'Asset',
        value: (record) => [readable(record.type), record.make, record.model].filter(Boolean).join(' '),
      },
      { label: 'Site', value: (record, names) => names.sites.get(record.siteId) ?? record.siteId },
      { label: 'Service plan', value: (record, names) => servicePlanWords(record.servicePlan, names) },
      { label: 'Next service due', value: (record) => (record.nextServiceDue ? day(record.nextServiceDue) : '') },
    ],
    fields: [
      { name: 'siteId', label: 'Site', type: 'select', source: 'sites', required: true, fixed: true },
      { name: 'type', label: 'Type', type: 'text', required: true, hint: 'Such as gas_boiler or fire_alarm_panel.' },
      { name: 'make', label: 'Make', type: 'text' },
      { name: 'model', label: 'Model', type: 'text' },
      { name: 'installedAt', label: 'Installed on', type: 'date' },
      {
        name: 'servicePlan',
        label: 'Service plan',
        type: 'group',
        nullable: true,
        hint: 'Leave both empty for an asset with no planned service.',
        fields: [
          { name: 'intervalMonths', label: 'Every (months)', type: 'integer', required: true },
          { name: 'jobType', label: 'Job', type: 'select', source: 'job-templates', required: true },
        ],
      },
      { name: 'nextServiceDue', label: 'Next service due', type: 'date', nullable: true },
    ],
    more: assetHistory,
  },
  {
    list: 'engineers',
    title: 'Engineers',
    one: 'engineer',
    key: 'engineerId',
    name: (record) => record.name,
    columns: [
      { label: 'Name', value: (record) => record.name },
      { label: 'Skills', value: (record) => record.skills.map(readable).join(', ') },
      { label: 'Certificates', value: (record) => certificateList(record.certifications) },
      { label: 'Working', value: (record) => shiftWords(record.shift) },
      { label: 'Active', value: (record) => (record.active ? 'Yes' : 'No') },
    ],
    fields: [
      { name: 'name', label: 'Name', type: 'text', required: true },
      { name: 'email', label: 'E-mail', type: 'email' },
      { name: 'phone', label: 'Phone', type: 'text' },
      { name: 'skills', label: 'Skills', type: 'words', hint: 'Such as gas, plumbing. Separate them with commas.' },
      {
        name: 'certifications',
        label: 'Certificates',
        one: 'certificate',
        type: 'rows',
        required: true,
        show: certificateList,
        fields: [
          { name: 'code', label: 'Certificate', type: 'text', required: true, hint: 'Such as gas_safe.' },
          { name: 'number', label: 'Number', type: 'text', required: true },
          { name: 'expiresAt', label: 'Expires on', type: 'date', required: true, note: certificateNote },
        ],
      },
      { name: 'homeBase', label: 'Home base', type: 'group', required: true, fields: latLng },
      {
        name: 'shift',
        label: 'Shift',
        type: 'group',
        required: true,
        show: shiftWords,
        fields: [
          { name: 'days', label: 'Days', type: 'days', required: true },
          { name: 'start', label: 'Starts at', type: 'time', required: true },
          { name: 'end', label: 'Ends at', type: 'time', required: true },
        ],
      },
      { name: 'hourlyRateMinor', label: 'Hourly rate (£)', type: 'money', required: true },
      { name: 'active', label: 'Active: gets work', type: 'boolean', initial: true },
    ],
  },
  {
    list: 'parts',
    title: 'Parts and stock',
    one: 'part',
    key: 'sku',
    keyField: 'sku',
    keyLabel: 'SKU',
    keyHint: 'The part number as the supplier prints it.',
    sources: ['suppliers'],
    name: (record) => record.name,
    flag: (record) => record.stock <= record.reorderPoint,
    flagNotice: (count) => `${plural(count, 'part')} at or below the reorder point: time to order more.`,
    columns: [
      { label: 'SKU', value: (record) => record.sku },
      { label: 'Name', value: (record) => record.name },
      { label: 'Unit price', value: (record) => money(record.unitPriceMinor) },
      { label: 'In stock', value: stockWords },
      { label: 'Reorder point', value: (record) => String(record.reorderPoint) },
      { label: 'Kept at', value: (record) => record.location ?? '' },
      {
        label: 'Supplier',
        value: (record, names) =>
          record.supplierId ? (names.suppliers.get(record.supplierId) ?? record.supplierId) : '',
      },
    ],
    fields: [
      { name: 'name', label: 'Name', type: 'text', required: true },
      { name: 'unitPriceMinor', label: 'Unit price (£)', type: 'money', required: true },
      { name: 'stock', label: 'In stock', type: 'integer', required: true, hint: 'The business’s own count.' },
      { name: 'reorderPoint', label: 'Reorder point', type: 'integer', required: true },
      { name: 'location', label: 'Kept at', type: 'text' },
      {
        name: 'supplierId',
        label: 'Supplier',
        type: 'select',
        source: 'suppliers',
        nullable: true,
        hint: 'Who a reorder or an engineer’s parts request orders it from. With none, the office orders it by hand.',
      },
    ],
    more: holdings,
  },
  {
    list: 'job-templates',
    title: 'Job templates',
    one: 'job template',
    key: 'jobType',
    keyField: 'jobType',
    keyLabel: 'Job type',
    keyHint: 'Lower-case letters, digits, "_" or "-", such as boiler_service.',
    sources: ['parts'],
    name: (record) => record.name,
    columns: [
      { label: 'Name', value: (record) => record.name },
      { label: 'Job type', value: (record) => record.jobType },
      { label: 'Skills', value: (record) => record.requiredSkills.map(readable).join(', ') },
      { label: 'Certificates', value: (record) => record.requiredCertifications.join(', ') },
      { label: 'Time', value: (record) => `${record.estimatedMinutes} min` },
      { label: 'Checklist', value: (record) => plural(record.checklist?.length ?? 0, 'item') },
    ],
    fields: [
      { name: 'name', label: 'Name', type: 'text', required: true },
      { name: 'requiredSkills', label: 'Skills needed', type: 'words', hint: 'Separate them with commas.' },
      {
        name: 'requiredCertifications',
        label: 'Certificates needed',
        type: 'words',
        hint: 'Separate them with commas.',
      },
      { name: 'estimatedMinutes', label: 'Estimated time (minutes)', type: 'integer', required: true },
      { name: 'requiresApproval', label: 'Always needs approval', type: 'boolean' },
      { name: 'approvalThresholdMinor', label: 'Needs approval above (£)', type: 'money' },
      { name: 'fixedPriceMinor', label: 'Fixed price (£)', type: 'money' },
      { name: 'safetyNotes', label: 'Safety notes', type: 'textarea' },
      {
        name: 'defaultParts',
        label: 'Parts it usually takes',
        one: 'part',
        type: 'rows',
        required: true,
        fields: [
          { name: 'sku', label: 'Part', type: 'select', source: 'parts', required: true },
          { name: 'qty', label: 'How many', type: 'number', required: true },
        ],
      },
      {
        name: 'checklist',
        label: 'Checklist',
        one: 'item',
        type: 'rows',
        show: checklistList,
        fields: [
          { name: 'id', label: 'Id', type: 'text', required: true },
          { name: 'label', label: 'Question', type: 'text', required: true },
          { name: 'kind', label: 'Answer', type: 'select', choices: checklistKinds, required: true },
          { name: 'required', label: 'Required', type: 'boolean' },
          { name: 'min', label: 'Lowest', type: 'number' },
          { name: 'max', label: 'Highest', type: 'number' },
          { name: 'unit', label: 'Unit', type: 'text' },
        ],
      },
      { name: 'requiresSignature', label: 'Needs the customer’s signature', type: 'boolean' },
    ],
  },
  {
    list: 'depots',
    title: 'Depots',
    one: 'depot',
    key: 'depotId',
    name: (record) => record.name,
    columns: [
      { label: 'Name', value: (record) => record.name },
      { label: 'Address', value: (record) => record.address },
      { label: 'Phone', value: (record) => record.phone ?? '' },
    ],
    fields: [
      { name: 'name', label: 'Name', type: 'text', required: true },
      { name: 'address', label: 'Address', type: 'text', required: true },
      { name: 'location', label: 'Location', type: 'group', required: true, fields: latLng },
      { name: 'phone', label: 'Phone', type: 'text' },
    ],
  },
  {
    list: 'suppliers',
    title: 'Suppliers',
    one: 'supplier',
    key: 'supplierId',
    name: (record) => record.name,
    columns: [
      { label: 'Name', value: (record) => record.name },
      { label: 'E-mail', value: (record) => record.email },
      { label: 'Phone', value: (record) => record.phone ?? '' },
      { label: 'Account reference', value: (record) => record.accountRef ?? '' },
    ],
    fields: [
      { name: 'name', label: 'Name', type: 'text', required: true },
      { name: 'email', label: 'E-mail', type: 'email', required: true, hint: 'Purchase orders are e-mailed here.' },
      { name: 'phone', label: 'Phone', type: 'text' },
      {
        name: 'accountRef',
        label: 'Account reference',
        type: 'text',
        nullable: true,
        hint: 'The business’s account with them, printed on its orders.',
      },
    ],
  },
];

/** What a list's records are called in each source (a site's customer, an asset's site and plan...). */
const sourceNames = {
  customers: (record) => [record.customerId, record.name],
  sites: (record) => [record.siteId, record.name ? `${record.name}, ${record.address}` : record.address],
  'job-templates': (record) => [record.jobType, record.name],
  parts: (record) => [record.sku, `${record.name} (${record.sku})`],
  suppliers: (record) => [record.supplierId, record.name],
};

// --- The screen --------------------------------------------------------------------------------------------------

export async function show(main, ctx) {
  const kind = kinds.find((candidate) => candidate.list === ctx.params.id) ?? kinds[0];
  const id = ctx.params.rest[0];
  const adding = !id && ctx.query.has('add');
  const admin = ctx.role === 'admin';
  main.append(tabs(kind));
  if (id) return showRecord(main, ctx, kind, id, admin);
  if (adding && admin) return showNew(main, ctx, kind);
  return showList(main, ctx, kind, admin);
}

function tabs(current) {
  return h(
    'nav',
    { class: 'ref-tabs', 'aria-label': 'Reference lists' },
    h(
      'ul',
      {},
      kinds.map((kind) =>
        h(
          'li',
          {},
          h('a', {
            href: `#/reference/${kind.list}`,
            text: kind.title,
            'aria-current': kind === current ? 'page' : undefined,
          }),
        ),
      ),
    ),
  );
}

async function showList(main, ctx, kind, admin) {
  const [records, names] = await Promise.all([readAll(ctx, kind.list), namesFor(ctx, kind)]);
  const flagged = kind.flag ? records.filter((record) => kind.flag(record)).length : 0;
  const countId = `ref-count-${kind.list}`;
  main.append(
    ...present(
      h('h1', { text: `Reference data: ${kind.title.toLowerCase()}` }),
      h(
        'div',
        { class: 'toolbar' },
        h('p', { id: countId, class: 'muted', text: plural(records.length, kind.one) }),
        admin
          ? h('a', { class: 'button', href: `#/reference/${kind.list}?add`, text: `Add ${aOrAn(kind.one)}` })
          : undefined,
      ),
      flagged > 0 ? h('p', { class: 'notice', text: kind.flagNotice(flagged) }) : undefined,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'ref-table', 'aria-describedby': countId },
          h('caption', { class: 'visually-hidden', text: kind.title }),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              kind.columns.map((column) => h('th', { scope: 'col', text: column.label })),
            ),
          ),
          h(
            'tbody',
            {},
            records.map((record) =>
              h(
                'tr',
                { class: kind.flag?.(record) ? 'flagged' : undefined },
                kind.columns.map((column, index) => {
                  const value = column.value(record, names);
                  if (index > 0) return h('td', {}, value);
                  return h(
                    'th',
                    { scope: 'row' },
                    h('a', { href: recordHash(kind, record[kind.key]), text: value || record[kind.key] }),
                  );
                }),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** What there is to append: `append` writes undefined as text, so it is left out first. */
const present = (...nodes) => nodes.filter((node) => node !== undefined && node !== null);

/** `a customer`, `an engineer`. */
const aOrAn = (noun) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;

async function showRecord(main, ctx, kind, id, admin) {
  const [record, names, sources] = await Promise.all([
    ctx.api(`v1/${kind.list}/${encodeURIComponent(id)}`),
    namesFor(ctx, kind),
    admin ? sourcesFor(ctx, kind) : {},
  ]);
  const body = h('div', { class: 'ref-record' });
  main.append(
    h('p', {}, h('a', { href: `#/reference/${kind.list}`, text: `‹ All ${kind.title.toLowerCase()}` })),
    h('h1', { id: 'ref-title', text: kind.name(record) || record[kind.key] }),
    body,
  );

  const render = (current, message) => {
    main.querySelector('#ref-title').textContent = kind.name(current) || current[kind.key];
    const status = h('p', { class: 'saved', id: 'ref-saved', tabindex: '-1', text: message ?? '', hidden: !message });
    body.replaceChildren(
      ...present(
        h('h2', { text: `This ${kind.one}` }),
        status,
        facts(kind, current, names),
        kind.more?.(current, { ctx, admin }),
        admin
          ? recordForm({
              ctx,
              kind,
              record: current,
              sources,
              onSaved: (saved) => {
                render(saved, `Saved: the ${kind.one} is changed.`);
                body.querySelector('#ref-saved')?.focus();
              },
              onReload: async () => {
                render(await ctx.api(`v1/${kind.list}/${encodeURIComponent(id)}`));
                ctx.announce(`The latest ${kind.one} is shown.`);
              },
            })
          : h('p', { class: 'muted', text: `Only an admin changes ${kind.title.toLowerCase()}.` }),
      ),
    );
  };
  render(record);
}

function showNew(main, ctx, kind) {
  return sourcesFor(ctx, kind).then((sources) => {
    main.append(
      h('p', {}, h('a', { href: `#/reference/${kind.list}`, text: `‹ All ${kind.title.toLowerCase()}` })),
      h('h1', { text: `Add ${aOrAn(kind.one)}` }),
      recordForm({
        ctx,
        kind,
        sources,
        onSaved: (saved) => {
          ctx.announce(`The ${kind.one} is added.`);
          ctx.navigate(recordHash(kind, saved[kind.key]));
        },
      }),
    );
  });
}

// --- Reading ------------------------------------------------------------------------------------------------------

/** Every record of a list, page by page, as it is now (the shell's kept copy may be a minute old). */
export async function readAll(ctx, list) {
  const all = [];
  let cursor;
  do {
    const page = await ctx.api(`v1/${list}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** The names of what a list's records refer to, by id: `{ customers: Map, sites: Map, 'job-templates': Map }`. */
async function namesFor(ctx, kind) {
  const names = {};
  await Promise.all(
    (kind.sources ?? []).map(async (list) => {
      const records = await ctx.reference(list).catch(() => []);
      names[list] = new Map(records.map((record) => sourceNames[list](record)));
    }),
  );
  return names;
}

/** The records a form's selects offer, read as they are now (one just added is among them). */
async function sourcesFor(ctx, kind) {
  const sources = {};
  await Promise.all(
    (kind.sources ?? []).map(async (list) => {
      sources[list] = (await readAll(ctx, list)).map((record) => sourceNames[list](record));
    }),
  );
  return sources;
}

const recordHash = (kind, id) => `#/reference/${kind.list}/${encodeURIComponent(id)}`;

// --- Showing a record ---------------------------------------------------------------------------------------------

function facts(kind, record, names) {
  const list = h('dl', { class: 'facts' });
  const key = kind.keyLabel ?? 'Id';
  list.append(h('div', {}, h('dt', { text: key }), h('dd', { text: record[kind.key] })));
  for (const field of kind.fields) {
    const shown = display(field, record[field.name], names);
    if (shown === undefined || shown === '') continue;
    list.append(h('div', {}, h('dt', { text: field.label }), h('dd', {}, shown)));
  }
  return list;
}

/** A field's value in words (or an element), for the record's facts; undefined when it has none. */
function display(field, value, names = {}) {
  if (value === undefined || value === null) return undefined;
  if (field.show) return field.show(value, names);
  switch (field.type) {
    case 'money':
      return money(value);
    case 'boolean':
      return value ? 'Yes' : 'No';
    case 'date':
      return day(value);
    case 'words':
    case 'lines':
      return value.length > 0 ? value.join(field.type === 'words' ? ', ' : '; ') : undefined;
    case 'select':
      return names[field.source]?.get(value) ?? choiceLabel(field, value) ?? String(value);
    case 'days':
      return daysWords(value);
    case 'group': {
      const parts = field.fields
        .map((sub) => {
          const shown = display(sub, value[sub.name], names);
          return shown === undefined || shown === '' ? undefined : `${sub.label}: ${textOf(shown)}`;
        })
        .filter(Boolean);
      return parts.length > 0 ? parts.join('; ') : undefined;
    }
    case 'rows':
      if (value.length === 0) return undefined;
      return h(
        'ul',
        { class: 'plain' },
        value.map((row) =>
          h(
            'li',
            {},
            field.fields
              .map((sub) => {
                const shown = display(sub, row[sub.name], names);
                return shown === undefined || shown === '' ? undefined : `${sub.label}: ${textOf(shown)}`;
              })
              .filter(Boolean)
              .join(', '),
          ),
        ),
      );
    default:
      return String(value);
  }
}

const textOf = (shown) => (typeof shown === 'string' ? shown : shown.textContent);
const choiceLabel = (field, value) => field.choices?.find(([choice]) => choice === value)?.[1];

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** `2025-03-14` (or a timestamp) as `14 Mar 2025`. */
function day(value) {
  const parsed = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(parsed) ? value : dayFormat.format(new Date(parsed));
}

/** Days from today (UTC, as the API counts days) to a date or timestamp: negative once it is past. */
function daysUntil(value, now = Date.now()) {
  const target = Date.parse(`${value.slice(0, 10)}T00:00:00Z`);
  const today = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`);
  return Math.round((target - today) / 86_400_000);
}

/**
 * Where a certificate stands, in words first: `lapsed` once its expiry date has passed, `expiring` within 30 days,
 * else `valid`. The words are the sign; the colour beside them only repeats it.
 */
export function certificateState(expiresAt, now = Date.now()) {
  const days = daysUntil(expiresAt, now);
  if (days < 0) return { state: 'lapsed', words: `Lapsed: expired ${plural(-days, 'day')} ago, on ${day(expiresAt)}` };
  if (days === 0) return { state: 'expiring', words: 'Expires today' };
  if (days <= 30) return { state: 'expiring', words: `Expires in ${plural(days, 'day')}, on ${day(expiresAt)}` };
  return { state: 'valid', words: `Valid until ${day(expiresAt)}` };
}

function certificateList(certifications) {
  if (certifications.length === 0) return 'None';
  return h(
    'ul',
    { class: 'plain' },
    certifications.map((certification) => {
      const { state, words } = certificateState(certification.expiresAt);
      return h(
        'li',
        { class: `cert cert-${state}` },
        h('span', { class: 'cert-name', text: `${certification.code} ${certification.number}: ` }),
        h('span', { class: state === 'valid' ? undefined : 'cert-state', text: words }),
      );
    }),
  );
}

/** Next to a certificate's expiry date in the form: where it stands now. */
function certificateNote(value) {
  if (!value) return '';
  const { state, words } = certificateState(value);
  return state === 'valid' ? '' : words;
}

/** The pattern in words: `Weekdays, 07:00 to 19:00; Fri 07:00 to 15:00` (a weekday's own hours after the rest). */
function shiftWords(shift) {
  const own = Object.entries(shift.hours ?? {}).map(
    ([day, hours]) => `${daysWords([Number(day)])} ${hours.start} to ${hours.end}`,
  );
  return [`${daysWords(shift.days)}, ${shift.start} to ${shift.end}`, ...own].join('; ');
}

function daysWords(days) {
  const sorted = [...days].sort();
  if (sorted.join() === '1,2,3,4,5,6,7') return 'Every day';
  if (sorted.join() === '1,2,3,4,5') return 'Weekdays';
  return sorted.map((number) => weekdays.find(([day]) => day === number)?.[1].slice(0, 3) ?? number).join(', ');
}

function servicePlanWords(plan, names) {
  if (!plan) return 'None';
  const job = names['job-templates']?.get(plan.jobType) ?? readable(plan.jobType);
  return `${job}, every ${plural(plan.intervalMonths, 'month')}`;
}

function stockWords(part) {
  return part.stock <= part.reorderPoint
    ? `${part.stock} (reorder: at or below ${part.reorderPoint})`
    : String(part.stock);
}

function checklistList(items) {
  if (items.length === 0) return undefined;
  return h(
    'ol',
    { class: 'plain-numbered' },
    items.map((item) => {
      const range =
        item.min !== undefined || item.max !== undefined
          ? `, ${item.min ?? '…'} to ${item.max ?? '…'}${item.unit ? ` ${item.unit}` : ''}`
          : '';
      const kind = choiceLabel({ choices: checklistKinds }, item.kind) ?? item.kind;
      return h('li', { text: `${item.label} (${kind.toLowerCase()}${range}${item.required ? ', required' : ''})` });
    }),
  );
}

/** An asset's visits, newest first (the record read alone carries them). */
function assetHistory(asset) {
  const visits = asset.history ?? [];
  return h(
    'section',
    { 'aria-labelledby': 'asset-history' },
    h('h2', { id: 'asset-history', text: 'Visits' }),
    visits.length === 0
      ? h('p', { class: 'muted', text: 'No visit is recorded yet.' })
      : h(
          'ul',
          { class: 'timeline' },
          visits.map((visit) =>
            h(
              'li',
              {},
              h('a', { href: `#/work-orders/${encodeURIComponent(visit.workOrderId)}`, text: visit.ref }),
              ` ${readable(visit.jobType)}, ${day(visit.completedAt)}: ${readable(visit.outcome)}`,
              visit.findings ? `. ${visit.findings}` : '',
            ),
          ),
        ),
  );
}

/**
 * A part's counts at depots and vans, as the office last counted them (`holdings` on the part as read), each holder
 * by name. An admin records a new count (it replaces the one before for that depot or van), listed on top.
 */
function holdings(part, { ctx, admin }) {
  const recorded = h('ul', { class: 'plain', id: 'holdings-recorded' });
  const section = h(
    'section',
    { 'aria-labelledby': 'holdings-title' },
    h('h2', { id: 'holdings-title', text: 'Held at depots and vans' }),
    h('p', {
      class: 'muted',
      text: `The business’s own count is ${part.stock}. Engineers find the nearest depot or van holding it in their app.`,
    }),
    recorded,
  );
  const names = Promise.all([readAll(ctx, 'depots'), readAll(ctx, 'engineers')]).then(([depots, engineers]) => ({
    depots,
    engineers,
    of: (kind, id) =>
      kind === 'depot'
        ? (depots.find((depot) => depot.depotId === id)?.name ?? id)
        : `${engineers.find((engineer) => engineer.engineerId === id)?.name ?? id}’s van`,
  }));
  const counts = part.holdings ?? [];
  if (counts.length === 0) recorded.append(h('li', { class: 'muted', text: 'No depot or van count recorded yet.' }));
  names
    .then(({ of }) => {
      for (const holding of counts) {
        recorded.append(h('li', { text: `${of(holding.holderKind, holding.holderId)}: ${holding.qty}` }));
      }
    })
    .catch(() => undefined);
  if (!admin) return section;
  const problem = h('p', { class: 'error', id: 'holding-problem', role: 'alert' });
  const holder = h('select', { id: 'holding-holder', name: 'holder', required: true });
  const qty = h('input', { id: 'holding-qty', name: 'qty', type: 'number', min: '0', step: '1', required: true });
  names
    .then(({ depots, engineers }) => {
      holder.append(
        h(
          'optgroup',
          { label: 'Depots' },
          depots.map((depot) => h('option', { value: `depot:${depot.depotId}`, text: depot.name })),
        ),
        h(
          'optgroup',
          { label: 'Vans' },
          engineers.map((engineer) =>
            h('option', { value: `van:${engineer.engineerId}`, text: `${engineer.name}’s van` }),
          ),
        ),
      );
    })
    .catch((error) => {
      problem.textContent = problemText(error);
    });
  const form = h(
    'form',
    { class: 'holding-form', 'aria-labelledby': 'holding-form-title', novalidate: true },
    h('h3', { id: 'holding-form-title', text: 'Record a count' }),
    h('div', { class: 'field' }, h('label', { for: 'holding-holder', text: 'Where' }), holder),
    h('div', { class: 'field' }, h('label', { for: 'holding-qty', text: 'How many are there' }), qty),
    problem,
    h('button', { type: 'submit', text: 'Record the count' }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const [holderKind, holderId] = holder.value.split(':');
    const count = Number(qty.value);
    if (!holderId || qty.value === '' || !Number.isInteger(count) || count < 0) {
      problem.textContent = 'Choose where, and enter how many there are (0 or more).';
      return;
    }
    try {
      const saved = await ctx.api(`v1/parts/${encodeURIComponent(part.sku)}/holdings`, {
        method: 'POST',
        body: { holderKind, holderId, qty: count },
      });
      const where = holder.selectedOptions[0]?.textContent ?? holderId;
      recorded.prepend(
        h('li', { text: `${where}: ${saved.qty}, counted ${new Date(saved.updatedAt).toLocaleString()}` }),
      );
      ctx.announce(`Recorded: ${saved.qty} at ${where}.`);
      qty.value = '';
    } catch (error) {
      problem.textContent = problemText(error);
    }
  });
  section.append(form);
  return section;
}

// --- The form -----------------------------------------------------------------------------------------------------

/**
 * A record's form: every field of its list, filled from `record` when there is one (a change, PATCH with If-Match
 * from its version, sending only what changed) or empty (a new record, POST with an Idempotency-Key made now, once).
 */
function recordForm({ ctx, kind, record, sources, onSaved, onReload }) {
  const editing = Boolean(record);
  const prefix = `ref-${kind.list}`;
  const idempotencyKey = editing ? undefined : newKey();
  const problem = h('div', { class: 'problem', id: 'ref-problem', role: 'alert', tabindex: '-1' });
  const unchanged = h('p', { class: 'muted', role: 'status' });
  const keyInput =
    !editing && kind.keyField
      ? buildField(
          { name: kind.keyField, label: kind.keyLabel, type: 'text', required: true, hint: kind.keyHint },
          undefined,
          prefix,
          sources,
        )
      : undefined;
  const fields = kind.fields
    .filter((field) => !(editing && field.fixed))
    .map((field) => ({ field, input: buildField(field, record?.[field.name], prefix, sources) }));
  /** What the form sent would be, as it was built: a change sends the fields that differ from it. */
  const initial = new Map(fields.map(({ field, input }) => [field.name, JSON.stringify(input.read())]));
  const submit = h('button', { type: 'submit', text: editing ? 'Save the changes' : `Add the ${kind.one}` });
  const form = h(
    'form',
    { class: 'ref-form', 'aria-labelledby': `${prefix}-form-title`, novalidate: true },
    h('h2', { id: `${prefix}-form-title`, text: editing ? `Change this ${kind.one}` : `The new ${kind.one}` }),
    problem,
    keyInput?.element,
    fields.map(({ input }) => input.element),
    h('div', { class: 'actions' }, submit),
    unchanged,
  );

  const showProblem = (lines, action) => {
    problem.replaceChildren(
      h('h3', { text: 'There is a problem' }),
      ...lines.map((line) => h('p', { text: line })),
      action,
    );
    problem.focus();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.replaceChildren();
    unchanged.textContent = '';
    keyInput?.clearErrors();
    for (const { input } of fields) input.clearErrors();

    // Only what the API cannot say in the user's words is checked here: what is missing. The rest is the API's.
    const missing = [];
    if (keyInput && keyInput.read() === undefined) missing.push(keyInput.showMissing());
    const body = {};
    for (const { field, input } of fields) {
      const value = input.read();
      missing.push(...input.missing());
      if (editing) {
        if (JSON.stringify(value) === initial.get(field.name)) continue;
        if (value === undefined) {
          if (field.nullable) body[field.name] = null;
          else missing.push(input.setError([], `${field.label} cannot be removed once set: change it instead.`));
          continue;
        }
      }
      if (value !== undefined) body[field.name] = value;
    }
    if (missing.length > 0) {
      showProblem(missing.filter(Boolean));
      return;
    }
    if (editing && Object.keys(body).length === 0) {
      unchanged.textContent = 'Nothing has changed: there is nothing to save.';
      return;
    }
    if (keyInput) body[kind.keyField] = keyInput.read();

    submit.disabled = true;
    try {
      const answer = editing
        ? await ctx.api(`v1/${kind.list}/${encodeURIComponent(record[kind.key])}`, {
            method: 'PATCH',
            body,
            ifMatch: `"${record.version}"`,
          })
        : await ctx.api(`v1/${kind.list}`, { method: 'POST', body, idempotencyKey });
      onSaved(answer);
    } catch (error) {
      submit.disabled = false;
      if (error.status === 412) {
        showProblem(
          [
            `Someone else changed this ${kind.one} after you opened it, so your changes are not saved.`,
            `Reload it to see the latest, then make your changes again.`,
          ],
          h('button', {
            type: 'button',
            class: 'secondary',
            text: `Reload the ${kind.one}`,
            onclick: () => onReload(),
          }),
        );
        return;
      }
      const lines = [error.message];
      for (const fieldError of error.errors ?? []) {
        const [where, name, ...rest] = String(fieldError.path ?? '').split('.');
        const target =
          where === 'body' && name === kind.keyField
            ? keyInput
            : fields.find(({ field }) => field.name === name)?.input;
        lines.push(target?.setError(rest, fieldError.message) ?? fieldError.message);
      }
      if (error.code === 'reference.exists' && keyInput) keyInput.setError([], error.message);
      showProblem(lines);
    }
  });
  return form;
}

let fieldCount = 0;

/**
 * One field of a form, built from its description, filled with `value`: `{ element, read(), missing(),
 * showMissing(), setError(path, message), clearErrors() }`. `read()` answers what the API is sent, or undefined when
 * the field is empty; `setError` shows an error at a path inside it (a row's field) and answers the words, with the
 * field's label, for the form's summary.
 *
 * Types: text, email, textarea, number, integer, money (pounds, sent in pence), date, time, boolean, select (a
 * `source` list or `choices`), words (comma-separated), lines (one a line), days (of the week), group (an object of
 * `fields`) and rows (a list of objects of `fields`, added and removed).
 */
function buildField(field, value, prefix, sources) {
  const id = `${prefix}-${field.name}-${++fieldCount}`;
  const label = field.label;
  if (field.type === 'group') return buildGroup(field, value, id, prefix, sources);
  if (field.type === 'rows') return buildRows(field, value, id, prefix, sources);

  const hintId = field.hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  const error = h('p', { class: 'error', id: errorId, hidden: true });
  const note = field.note ? h('p', { class: 'field-note', id: `${id}-note` }) : undefined;
  const describedBy = [hintId, note?.id, errorId].filter(Boolean).join(' ');
  const control = buildControl(field, value, id, describedBy, sources);
  const updateNote = () => {
    if (!note) return;
    const words = field.note(control.value);
    note.textContent = words;
    note.hidden = !words;
  };
  if (note) {
    control.addEventListener('input', updateNote);
    updateNote();
  }
  const element =
    field.type === 'days'
      ? control
      : h(
          'div',
          { class: field.type === 'boolean' ? 'field check' : 'field' },
          field.type === 'boolean' ? control : undefined,
          h('label', { for: id, text: optional(field, label) }),
          field.hint ? h('p', { class: 'hint', id: hintId, text: field.hint }) : undefined,
          note,
          error,
          field.type === 'boolean' ? undefined : control,
        );
  if (field.type === 'days') control.append(error);

  const read = () => readControl(field, control);
  const setError = (_path, message) => {
    error.textContent = message;
    error.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    return `${field.label}: ${message}`;
  };
  return {
    element,
    read,
    missing: () => (field.required && read() === undefined ? [setError([], needed)] : []),
    showMissing: () => setError([], needed),
    setError,
    clearErrors: () => {
      error.textContent = '';
      error.hidden = true;
      control.removeAttribute('aria-invalid');
    },
  };
}

const optional = (field, label) => (field.type === 'boolean' || field.required ? label : `${label} (optional)`);
const needed = 'This is needed: fill it in.';

function buildControl(field, value, id, describedBy, sources) {
  const common = { id, name: field.name, 'aria-describedby': describedBy || undefined };
  switch (field.type) {
    case 'textarea':
      return h('textarea', { ...common, rows: '3', value: value ?? '' });
    case 'email':
      return h('input', { ...common, type: 'email', autocomplete: 'off', value: value ?? '' });
    case 'number':
      return h('input', { ...common, type: 'number', step: 'any', value: value ?? '' });
    case 'integer':
      return h('input', { ...common, type: 'number', step: '1', value: value ?? '' });
    case 'money':
      return h('input', {
        ...common,
        type: 'text',
        inputmode: 'decimal',
        value: value === undefined || value === null ? '' : (value / 100).toFixed(2),
      });
    case 'date':
      return h('input', { ...common, type: 'date', value: value ? value.slice(0, 10) : '' });
    case 'time':
      return h('input', { ...common, type: 'time', value: value ?? '' });
    case 'boolean':
      return h('input', { ...common, type: 'checkbox', checked: value ?? field.initial ?? false });
    case 'words':
      return h('input', { ...common, type: 'text', value: (value ?? []).join(', ') });
    case 'lines':
      return h('textarea', { ...common, rows: '3', value: (value ?? []).join('\n') });
    case 'select': {
      const options = field.source ? (sources[field.source] ?? []) : field.choices;
      const known = options.some(([choice]) => choice === value);
      return h(
        'select',
        common,
        h('option', { value: '', text: field.required ? 'Choose…' : 'None' }),
        options.map(([choice, text]) => h('option', { value: choice, text, selected: choice === value })),
        value && !known ? h('option', { value, text: value, selected: true }) : undefined,
      );
    }
    case 'days':
      return h(
        'fieldset',
        { class: 'days', id, 'aria-describedby': describedBy || undefined },
        h('legend', { text: field.label }),
        h(
          'ul',
          { class: 'inline-choices' },
          weekdays.map(([number, name]) =>
            h(
              'li',
              {},
              h(
                'label',
                {},
                h('input', { type: 'checkbox', value: String(number), checked: (value ?? []).includes(number) }),
                ` ${name}`,
              ),
            ),
          ),
        ),
      );
    default:
      return h('input', { ...common, type: 'text', value: value ?? '' });
  }
}

function readControl(field, control) {
  const text = control.value?.trim?.() ?? '';
  switch (field.type) {
    case 'boolean':
      return control.checked;
    case 'number':
    case 'integer':
      return text === '' ? undefined : Number(text);
    case 'money': {
      if (text === '') return undefined;
      const pounds = Number(text.replace(/^£/, '').replaceAll(',', ''));
      return Number.isFinite(pounds) ? Math.round(pounds * 100) : text;
    }
    case 'words': {
      const words = text
        .split(',')
        .map((word) => word.trim())
        .filter(Boolean);
      return words;
    }
    case 'lines':
      return control.value
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
    case 'days': {
      const days = [...control.querySelectorAll('input:checked')].map((box) => Number(box.value));
      return days.length > 0 ? days : undefined;
    }
    default:
      return text === '' ? undefined : text;
  }
}

function buildGroup(field, value, id, prefix, sources) {
  const subs = field.fields.map((sub) => ({
    sub,
    input: buildField(sub, value?.[sub.name], `${prefix}-${field.name}`, sources),
  }));
  const error = h('p', { class: 'error', id: `${id}-error`, hidden: true });
  const element = h(
    'fieldset',
    { class: 'group', 'aria-describedby': field.hint ? `${id}-hint` : undefined },
    h('legend', { text: field.required ? field.label : `${field.label} (optional)` }),
    field.hint ? h('p', { class: 'hint', id: `${id}-hint`, text: field.hint }) : undefined,
    error,
    subs.map(({ input }) => input.element),
  );
  // What the form does not show of the value (a shift's break, a weekday's own hours) is kept as it was: a change
  // sends the whole group, and would otherwise drop it.
  const shown = new Set(field.fields.map((sub) => sub.name));
  const kept = Object.fromEntries(Object.entries(value ?? {}).filter(([name]) => !shown.has(name)));
  const read = () => {
    const object = {};
    for (const { sub, input } of subs) {
      const subValue = input.read();
      if (subValue !== undefined && !(Array.isArray(subValue) && subValue.length === 0 && !sub.required)) {
        object[sub.name] = subValue;
      }
    }
    return Object.keys(object).length > 0 ? { ...kept, ...object } : undefined;
  };
  return {
    element,
    read,
    missing: () => {
      // An optional group left empty is fine; once any of it is filled, what it requires is missing.
      if (!field.required && read() === undefined) return [];
      return subs.flatMap(({ input }) => input.missing()).map((line) => `${field.label}, ${line}`);
    },
    showMissing: () => undefined,
    setError: (path, message) => {
      const target = subs.find(({ sub }) => sub.name === path[0]);
      if (target) return `${field.label}, ${target.input.setError(path.slice(1), message)}`;
      error.textContent = message;
      error.hidden = false;
      return `${field.label}: ${message}`;
    },
    clearErrors: () => {
      error.hidden = true;
      for (const { input } of subs) input.clearErrors();
    },
  };
}

function buildRows(field, value, id, prefix, sources) {
  const rows = [];
  const list = h('ol', { class: 'rows' });
  const error = h('p', { class: 'error', id: `${id}-error`, hidden: true });
  const renumber = () => {
    rows.forEach((row, index) => {
      row.legend.textContent = `${capitalise(field.one)} ${index + 1}`;
      row.remove.setAttribute('aria-label', `Remove ${field.one} ${index + 1}`);
    });
    empty.hidden = rows.length > 0;
  };
  const addRow = (rowValue) => {
    const inputs = field.fields.map((sub) => ({
      sub,
      input: buildField(sub, rowValue?.[sub.name], `${prefix}-${field.name}`, sources),
    }));
    const legend = h('legend');
    const remove = h('button', { type: 'button', class: 'secondary small', text: 'Remove' });
    const item = h(
      'li',
      {},
      h(
        'fieldset',
        { class: 'row' },
        legend,
        inputs.map(({ input }) => input.element),
        remove,
      ),
    );
    const row = { item, inputs, legend, remove };
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      item.remove();
      renumber();
      addButton.focus();
    });
    rows.push(row);
    list.append(item);
    renumber();
    return row;
  };
  const empty = h('p', { class: 'muted', text: `No ${field.one}.` });
  const addButton = h('button', {
    type: 'button',
    class: 'secondary small',
    text: `Add ${aOrAn(field.one)}`,
    onclick: () => addRow().inputs[0]?.input.element.querySelector('input, select, textarea')?.focus(),
  });
  const element = h('fieldset', { class: 'group' }, h('legend', { text: field.label }), error, empty, list, addButton);
  // A new record starts with the rows it needs (a customer's first contact), empty.
  for (const rowValue of value ?? Array.from({ length: field.min ?? 0 })) addRow(rowValue);
  renumber();

  const readRow = (row) => {
    const object = {};
    for (const { sub, input } of row.inputs) {
      const subValue = input.read();
      if (subValue !== undefined) object[sub.name] = subValue;
    }
    return object;
  };
  return {
    element,
    read: () => {
      const values = rows.map(readRow);
      // A list the API requires is sent even when empty; an optional one once it has a row or had one.
      return values.length > 0 || value !== undefined || field.required ? values : undefined;
    },
    missing: () => {
      const lines = rows.flatMap((row, index) =>
        row.inputs
          .flatMap(({ input }) => input.missing())
          .map((line) => `${capitalise(field.one)} ${index + 1}, ${line}`),
      );
      if (rows.length < (field.min ?? 0)) {
        error.textContent = `Add at least one ${field.one}.`;
        error.hidden = false;
        lines.push(`${field.label}: add at least one ${field.one}.`);
      }
      return lines;
    },
    showMissing: () => undefined,
    setError: (path, message) => {
      const row = rows[Number(path[0])];
      const target = row?.inputs.find(({ sub }) => sub.name === path[1]);
      if (target)
        return `${capitalise(field.one)} ${Number(path[0]) + 1}, ${target.input.setError(path.slice(2), message)}`;
      error.textContent = message;
      error.hidden = false;
      return `${field.label}: ${message}`;
    },
    clearErrors: () => {
      error.hidden = true;
      for (const row of rows) for (const { input } of row.inputs) input.clearErrors();
    },
  };
}

const capitalise = (word) => word.charAt(0).toUpperCase() + word.slice(1);
