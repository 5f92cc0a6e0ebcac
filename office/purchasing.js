// Purchase orders: what the business ordered from its suppliers, newest first (`#/purchase-orders`, `?status=` for
// one status), one order (`#/purchase-orders/<id>`) and a new one (`#/purchase-orders?add`). A reorder or an
// engineer's parts request raises an order by itself; the office raises one by hand, marks one received when its
// parts arrive (they are added to the depot's stock) or cancels one not yet delivered (the supplier is told). Every
// office role reads them; admins and dispatchers order, receive and cancel.
//
// Each action is sent with an Idempotency-Key, fresh for each submission; but a submission whose outcome is not
// known (no answer came, or the service was busy) keeps its key for the next, so sending it again cannot order, or
// receive, twice: the API answers what it did the first time.

import { readAll } from './reference.js';
import {
  fact,
  fill,
  formatTime,
  h,
  keyHolder,
  labelled,
  money,
  openDialog,
  plural,
  problemLines,
  readable,
  showProblem,
  workOrderLink,
} from './ui.js';

const buyers = ['admin', 'dispatcher'];
const statusLabels = { sent: 'Sent', received: 'Received', cancelled: 'Cancelled' };
const filterLabels = { '': 'All', sent: 'Sent, not yet received', received: 'Received', cancelled: 'Cancelled' };
const reasonLabels = { reorder: 'Reorder', parts_request: 'Engineer’s parts request', manual: 'The office, by hand' };
/** How the job an order came from follows its reason: a reorder after the job that took the stock low. */
const jobWords = { reorder: 'after', parts_request: 'on' };
/** A page of the list: a screenful, with more a click away. */
const pageSize = 25;

/** What a 409 means for this order, after the API's own words. */
const conflictWords = {
  'purchaseorder.already_received':
    'It was marked received already: its parts are in stock, and it can be neither received again nor cancelled.',
  'purchaseorder.cancelled': 'It was cancelled already: it can be neither received nor cancelled again.',
  'idempotency.key_reused':
    'The attempt before, which got no answer, may have reached the service: look for it in the list before sending this again.',
};

export async function show(main, ctx) {
  const buyer = buyers.includes(ctx.role);
  if (ctx.params.id) return showOrder(main, ctx, ctx.params.id, buyer);
  if (ctx.query.has('add') && buyer) return showNew(main, ctx);
  return showList(main, ctx, buyer);
}

// --- The list -----------------------------------------------------------------------------------------------------

async function showList(main, ctx, buyer) {
  const status = statusLabels[ctx.query.get('status')] ? ctx.query.get('status') : '';
  const names = await namesOf(ctx);
  const body = h('tbody');
  const count = h('p', { class: 'muted', id: 'po-count' });
  const pager = h('div', { class: 'actions' });
  const more = h('button', { type: 'button', class: 'secondary', text: 'Show more orders' });
  fill(
    main,
    h('h1', { text: 'Purchase orders' }),
    h(
      'div',
      { class: 'toolbar' },
      statusFilter(status, ctx),
      buyer ? h('a', { class: 'button', href: '#/purchase-orders?add', text: 'New purchase order' }) : undefined,
    ),
    count,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'po-table', 'aria-describedby': 'po-count' },
        h('caption', { class: 'visually-hidden', text: 'Purchase orders, newest first' }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Order', 'Supplier', 'Raised by', 'Lines', 'Depot', 'Status', 'Raised on'].map((name) =>
              h('th', { scope: 'col', text: name }),
            ),
          ),
        ),
        body,
      ),
    ),
    pager,
  );

  let cursor;
  let shown = 0;
  /** The next page, added below the rows shown; answers its rows. */
  const load = async () => {
    const query = `limit=${pageSize}${status ? `&status=${status}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await ctx.api(`v1/purchase-orders?${query}`);
    const [jobs] = await Promise.all([jobRefs(ctx, page.items), names.learn(page.items)]);
    const rows = page.items.map((order) => orderRow(order, names, jobs));
    body.append(...rows);
    shown += rows.length;
    cursor = page.nextCursor ?? undefined;
    fill(pager, cursor ? more : undefined);
    count.textContent = shown
      ? `${plural(shown, 'order')} shown, newest first${cursor ? '; there are more' : ''}.`
      : status
        ? `No order is ${statusLabels[status].toLowerCase()}.`
        : 'No purchase order yet.';
    return rows;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const rows = await load();
      ctx.announce(`${plural(rows.length, 'more order')} shown.`);
      // The focus goes to the first order added, not back to the top of the page.
      (rows[0]?.querySelector('a') ?? main.querySelector('h1'))?.focus();
    } catch (error) {
      ctx.report(error);
    } finally {
      more.disabled = false;
    }
  });
  await load();
}

function statusFilter(status, ctx) {
  const picker = h(
    'select',
    { id: 'po-status', name: 'status' },
    Object.entries(filterLabels).map(([value, text]) => h('option', { value, text, selected: value === status })),
  );
  const form = h(
    'form',
    { class: 'po-filter', 'aria-label': 'Which orders' },
    h('div', { class: 'field' }, h('label', { for: 'po-status', text: 'Status' }), picker),
    h('button', { type: 'submit', class: 'secondary', text: 'Show' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`#/purchase-orders${picker.value ? `?status=${picker.value}` : ''}`);
  });
  return form;
}

function orderRow(order, names, jobs) {
  return h(
    'tr',
    { 'data-id': order.id },
    h('th', { scope: 'row' }, h('a', { class: 'po-number', href: orderHash(order.id), text: order.number })),
    h('td', { text: names.supplier(order.supplierId) }),
    h('td', {}, raisedBy(order, jobs)),
    h('td', { text: linesSummary(order.lines) }),
    h('td', { text: names.depot(order.depotId) }),
    h('td', {}, statusBadge(order.status)),
    h('td', { text: formatTime(order.createdAt) }),
  );
}

/** What raised an order, with a link to the job whose stock or parts request it came from. */
function raisedBy(order, jobs) {
  const words = reasonLabels[order.reason] ?? order.reason;
  if (!order.workOrderId) return words;
  return h(
    'span',
    {},
    `${words} ${jobWords[order.reason] ?? 'for'} `,
    workOrderLink(order.workOrderId, jobs.get(order.workOrderId) ?? `job ${order.workOrderId}`),
  );
}

/** `2 × Flue kit, 1 × Inhibitor and 3 more`: enough to know the order, short enough for a row. */
function linesSummary(lines) {
  const named = lines.slice(0, 2).map((line) => `${line.qty} × ${line.name}`);
  const rest = lines.length - named.length;
  return rest > 0 ? `${named.join(', ')} and ${rest} more` : named.join(', ');
}

/** The status in words, with its colour beside them (colour is never the only sign). */
function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, text: statusLabels[status] ?? status });
}

// --- One order ----------------------------------------------------------------------------------------------------

async function showOrder(main, ctx, id, buyer) {
  const [order, names] = await Promise.all([ctx.api(`v1/purchase-orders/${encodeURIComponent(id)}`), namesOf(ctx)]);
  const [jobs] = await Promise.all([jobRefs(ctx, [order]), names.learn([order])]);
  const problem = h('div', { class: 'problem', id: 'po-problem', role: 'alert', tabindex: '-1' });
  const body = h('div', { class: 'po-order' });
  fill(
    main,
    h('p', {}, h('a', { href: '#/purchase-orders', text: '‹ Purchase orders' })),
    h('h1', { text: `Purchase order ${order.number}` }),
    problem,
    body,
  );
  const receiving = keyHolder();
  const cancelling = keyHolder();

  /** The order as it is now, with a word on what was just done (focused, so that it is read out). */
  const render = (current, message) => {
    const saved = h('p', { class: 'saved', id: 'po-saved', tabindex: '-1', text: message ?? '', hidden: !message });
    fill(
      body,
      saved,
      orderFacts(current, names, jobs),
      linesTable(current),
      current.status !== 'sent'
        ? undefined
        : buyer
          ? [receiveForm(current), cancelSection(current)]
          : h('p', { class: 'muted', text: 'Only an admin or a dispatcher receives or cancels an order.' }),
    );
    if (message) saved.focus();
  };

  /** Sends an action on the order: answers `{ done }`, the order as it then is, or `{ error }`. */
  const act = async (path, body, keys) => {
    fill(problem);
    try {
      const done = await ctx.api(`v1/purchase-orders/${encodeURIComponent(id)}/${path}`, {
        method: 'POST',
        body,
        idempotencyKey: keys.take(),
      });
      keys.settle();
      return { done };
    } catch (error) {
      keys.settle(error);
      return { error };
    }
  };

  /** Someone else received or cancelled it meanwhile: the order as it now is, with the API's words above it. */
  const showRefusal = async (error, current) => {
    render(await ctx.api(`v1/purchase-orders/${encodeURIComponent(id)}`).catch(() => current));
    showProblem(problem, problemLines(error, conflictWords));
  };

  function receiveForm(current) {
    const depot = h(
      'select',
      { id: 'po-receive-depot', name: 'depotId', 'aria-describedby': 'po-receive-hint' },
      depotOptions(names.depots, current.depotId),
    );
    const submit = h('button', { type: 'submit', text: 'Mark received' });
    const form = h(
      'form',
      { class: 'po-action', 'aria-labelledby': 'po-receive-title' },
      h('h2', { id: 'po-receive-title', text: 'Receive the delivery' }),
      h('div', { class: 'field' }, h('label', { for: 'po-receive-depot', text: 'Delivered to' }), depot),
      h('p', { class: 'hint', id: 'po-receive-hint', text: 'Its parts are added to this depot’s stock, once.' }),
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      const { done, error } = await act('receive', { depotId: depot.value }, receiving);
      submit.disabled = false;
      if (done) {
        render(done, `${done.number} is received: its parts are added to ${names.depot(done.depotId)}’s stock.`);
      } else if (refused(error)) {
        await showRefusal(error, current);
      } else {
        showProblem(problem, problemLines(error, conflictWords));
      }
    });
    return form;
  }

  function cancelSection(current) {
    const open = h('button', { type: 'button', class: 'danger', text: 'Cancel order…' });
    open.addEventListener('click', () => confirmCancel(current));
    return h(
      'section',
      { class: 'po-action', 'aria-labelledby': 'po-cancel-title' },
      h('h2', { id: 'po-cancel-title', text: 'Cancel the order' }),
      h('p', { text: `The supplier is e-mailed that ${current.number} is cancelled.` }),
      h('div', { class: 'actions' }, open),
    );
  }

  /** Asks before cancelling, with the reason the supplier reads; a refusal for the order's state closes the dialog. */
  function confirmCancel(current) {
    const reason = h('textarea', { id: 'po-cancel-reason', rows: '3', maxlength: '500' });
    const error = h('p', { class: 'error', role: 'alert' });
    const confirm = h('button', { type: 'submit', class: 'danger', text: 'Cancel the order' });
    const keep = h('button', { type: 'button', class: 'secondary', text: 'Keep the order' });
    const form = h(
      'form',
      {},
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'po-cancel-reason', text: 'Reason (optional: the supplier reads it)' }),
        reason,
      ),
      error,
      h('div', { class: 'actions' }, confirm, keep),
    );
    const { close } = openDialog({ title: `Cancel ${current.number}?`, build: () => form });
    keep.addEventListener('click', close);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      confirm.disabled = true;
      error.textContent = '';
      const why = reason.value.trim();
      const { done, error: failure } = await act('cancel', why ? { reason: why } : {}, cancelling);
      confirm.disabled = false;
      if (done) {
        close();
        render(done, `${done.number} is cancelled: the supplier is told.`);
      } else if (refused(failure)) {
        // Nothing is left to confirm: the problem goes on the page, over the order as it now is.
        close();
        await showRefusal(failure, current);
      } else {
        error.textContent = problemLines(failure, conflictWords).join(' ');
      }
    });
    reason.focus();
  }

  render(order);
}

function orderFacts(order, names, jobs) {
  const supplier = names.suppliers.find((candidate) => candidate.supplierId === order.supplierId);
  return h(
    'dl',
    { class: 'facts' },
    fact('Status', statusBadge(order.status)),
    fact('Supplier', supplier ? `${supplier.name} (${supplier.email})` : readable(order.supplierId)),
    fact('Raised by', raisedBy(order, jobs)),
    fact('Raised on', formatTime(order.createdAt)),
    fact(order.status === 'received' ? 'Delivered to' : 'Deliver to', names.depot(order.depotId)),
    order.receivedAt ? fact('Received', `${formatTime(order.receivedAt)} by ${order.receivedBy}`) : undefined,
    order.cancelledAt ? fact('Cancelled', `${formatTime(order.cancelledAt)} by ${order.cancelledBy}`) : undefined,
    fact('Why it was cancelled', order.cancelReason),
  );
}

function linesTable(order) {
  const priced = order.lines.every((line) => line.unitMinor !== undefined);
  const total = order.lines.reduce((sum, line) => sum + line.qty * (line.unitMinor ?? 0), 0);
  return h(
    'section',
    { 'aria-labelledby': 'po-lines-title' },
    h('h2', { id: 'po-lines-title', text: 'Lines' }),
    h(
      'table',
      { class: 'po-table' },
      h('caption', { class: 'visually-hidden', text: `What ${order.number} orders` }),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Part', 'SKU', 'Quantity', 'Unit price', 'Line total'].map((name) => h('th', { scope: 'col', text: name })),
        ),
      ),
      h(
        'tbody',
        {},
        order.lines.map((line) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', text: line.name }),
            h('td', { text: line.sku }),
            h('td', { text: String(line.qty) }),
            h('td', { text: line.unitMinor === undefined ? 'Not given' : money(line.unitMinor) }),
            h('td', { text: line.unitMinor === undefined ? '' : money(line.qty * line.unitMinor) }),
          ),
        ),
      ),
      priced
        ? h(
            'tfoot',
            {},
            h('tr', {}, h('th', { scope: 'row', colspan: '4', text: 'Total' }), h('td', { text: money(total) })),
          )
        : undefined,
    ),
  );
}

// --- A new order --------------------------------------------------------------------------------------------------

async function showNew(main, ctx) {
  // Read as they are now: a supplier or part added a moment ago is among them.
  const [suppliers, depots, parts] = await Promise.all(
    ['suppliers', 'depots', 'parts'].map((list) => readAll(ctx, list)),
  );
  const byName = (a, b) => a.name.localeCompare(b.name);
  const problem = h('div', { class: 'problem', id: 'po-problem', role: 'alert', tabindex: '-1' });
  const supplier = labelled(
    'Supplier',
    h(
      'select',
      { name: 'supplierId' },
      h('option', { value: '', text: 'Choose…' }),
      [...suppliers].sort(byName).map((record) => h('option', { value: record.supplierId, text: record.name })),
    ),
    'The order is e-mailed to them as a PDF.',
  );
  const depot = labelled(
    'Deliver to',
    h('select', { name: 'depotId' }, h('option', { value: '', text: 'Choose…' }), depotOptions(depots)),
  );
  const lines = lineRows([...parts].sort(byName));
  const submit = h('button', { type: 'submit', text: 'Send the order' });
  const form = h(
    'form',
    { class: 'po-form', 'aria-labelledby': 'po-new-title', novalidate: true },
    problem,
    supplier.element,
    depot.element,
    lines.element,
    h('div', { class: 'actions' }, submit),
  );
  fill(
    main,
    h('p', {}, h('a', { href: '#/purchase-orders', text: '‹ Purchase orders' })),
    h('h1', { id: 'po-new-title', text: 'New purchase order' }),
    form,
  );

  const keys = keyHolder();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fill(problem);
    for (const input of [supplier, depot]) input.clear();
    lines.clear();
    const missing = [
      supplier.control.value ? undefined : supplier.setError('Choose who to order from.'),
      depot.control.value ? undefined : depot.setError('Choose where the parts are delivered.'),
      ...lines.missing(),
    ].filter(Boolean);
    if (missing.length > 0) {
      showProblem(problem, missing);
      return;
    }
    submit.disabled = true;
    try {
      const order = await ctx.api('v1/purchase-orders', {
        method: 'POST',
        body: { supplierId: supplier.control.value, depotId: depot.control.value, lines: lines.read() },
        idempotencyKey: keys.take(),
      });
      keys.settle();
      ctx.announce(`${order.number} is sent to ${supplier.control.selectedOptions[0]?.textContent}.`);
      ctx.navigate(orderHash(order.id));
    } catch (error) {
      keys.settle(error);
      submit.disabled = false;
      const fields = { supplierId: supplier, depotId: depot };
      // Each field error next to its field too, and named by it in the summary.
      const errors = (error.errors ?? []).map((fieldError) => {
        const [where, name, ...rest] = String(fieldError.path ?? '').split('.');
        if (where !== 'body') return fieldError.message;
        if (name === 'lines') return lines.setError(rest, fieldError.message);
        return fields[name]?.setError(fieldError.message) ?? fieldError.message;
      });
      showProblem(problem, problemLines(error, conflictWords, errors));
    }
  });
}

/**
 * The order's lines, one or more: a part (by SKU), how many, and the unit price in pounds if one is agreed (sent in
 * pence). `{ element, read(), missing(), setError(path, message), clear() }`, as a form's field.
 */
function lineRows(parts) {
  const rows = [];
  const list = h('ol', { class: 'rows' });
  const error = h('p', { class: 'error', id: 'po-lines-error', hidden: true });
  const add = h('button', { type: 'button', class: 'secondary small', text: 'Add a line' });
  const renumber = () =>
    rows.forEach((row, index) => {
      row.legend.textContent = `Line ${index + 1}`;
      row.remove.setAttribute('aria-label', `Remove line ${index + 1}`);
      row.remove.hidden = rows.length === 1;
    });
  const addRow = () => {
    const part = labelled(
      'Part',
      h(
        'select',
        { name: 'sku' },
        h('option', { value: '', text: 'Choose…' }),
        parts.map((record) => h('option', { value: record.sku, text: `${record.name} (${record.sku})` })),
      ),
    );
    const qty = labelled('Quantity', h('input', { type: 'number', name: 'qty', min: '1', step: '1', value: '1' }));
    const price = labelled(
      'Unit price (£, optional)',
      h('input', { type: 'text', name: 'unit', inputmode: 'decimal' }),
    );
    const legend = h('legend');
    const remove = h('button', { type: 'button', class: 'secondary small', text: 'Remove' });
    const item = h('li', {}, h('fieldset', { class: 'row' }, legend, part.element, qty.element, price.element, remove));
    const row = { item, legend, remove, part, qty, price };
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      item.remove();
      renumber();
      add.focus();
    });
    rows.push(row);
    list.append(item);
    renumber();
    return row;
  };
  add.addEventListener('click', () => addRow().part.control.focus());
  addRow();

  const pence = (row) => {
    const text = row.price.control.value.trim().replace(/^£/, '').replaceAll(',', '');
    if (text === '') return undefined;
    const pounds = Number(text);
    return Number.isFinite(pounds) && pounds >= 0 ? Math.round(pounds * 100) : Number.NaN;
  };
  const count = (row) => Number(row.qty.control.value);
  return {
    element: h('fieldset', { class: 'group' }, h('legend', { text: 'What to order' }), error, list, add),
    read: () =>
      rows.map((row) => {
        const unitMinor = pence(row);
        return { sku: row.part.control.value, qty: count(row), ...(unitMinor === undefined ? {} : { unitMinor }) };
      }),
    missing: () =>
      rows.flatMap((row, index) =>
        [
          row.part.control.value ? undefined : row.part.setError('Choose the part.'),
          Number.isInteger(count(row)) && count(row) > 0 ? undefined : row.qty.setError('A whole number, 1 or more.'),
          Number.isNaN(pence(row)) ? row.price.setError('A price in pounds, such as 12.50, or nothing.') : undefined,
        ]
          .filter(Boolean)
          .map((line) => `Line ${index + 1}, ${line}`),
      ),
    setError: ([index, name], message) => {
      const row = rows[Number(index)];
      const target = { sku: row?.part, qty: row?.qty, unitMinor: row?.price }[name];
      if (target) return `Line ${Number(index) + 1}, ${target.setError(message)}`;
      error.textContent = message;
      error.hidden = false;
      return `What to order: ${message}`;
    },
    clear: () => {
      error.hidden = true;
      for (const row of rows) for (const input of [row.part, row.qty, row.price]) input.clear();
    },
  };
}

// --- Shared -------------------------------------------------------------------------------------------------------

/** The API refused for the order's state: someone else received or cancelled it first. */
const refused = (error) => error.status === 409 && String(error.code).startsWith('purchaseorder.');

/** The names of suppliers and depots by id, from the shell's copy (a minute old at most). */
async function namesOf(ctx) {
  const [suppliers, depots] = await Promise.all([
    ctx.reference('suppliers').catch(() => []),
    ctx.reference('depots').catch(() => []),
  ]);
  const names = {
    suppliers,
    depots,
    supplier: (id) => names.suppliers.find((record) => record.supplierId === id)?.name ?? readable(id),
    depot: (id) => depots.find((record) => record.depotId === id)?.name ?? readable(id),
    /** A supplier added since the shell's copy was read: the list is read again, so that its orders show its name. */
    async learn(orders) {
      if (orders.every((order) => names.suppliers.some((record) => record.supplierId === order.supplierId))) return;
      names.suppliers = await readAll(ctx, 'suppliers').catch(() => names.suppliers);
    },
  };
  return names;
}

/** The refs (`WO-000123`) of the jobs that raised these orders, by id; one that cannot be read is left out. */
async function jobRefs(ctx, orders) {
  const ids = [...new Set(orders.map((order) => order.workOrderId).filter(Boolean))];
  const read = await Promise.all(
    ids.map((id) =>
      ctx.api(`v1/work-orders/${encodeURIComponent(id)}`).then(
        (wo) => [id, wo.ref],
        () => undefined,
      ),
    ),
  );
  return new Map(read.filter(Boolean));
}

function depotOptions(depots, selected) {
  const options = depots.map((record) =>
    h('option', { value: record.depotId, text: record.name, selected: record.depotId === selected }),
  );
  // A depot not among those listed (removed since) is still the order's, and offered by its id.
  const known = !selected || depots.some((record) => record.depotId === selected);
  return known ? options : [...options, h('option', { value: selected, text: selected, selected: true })];
}

const orderHash = (id) => `#/purchase-orders/${encodeURIComponent(id)}`;
