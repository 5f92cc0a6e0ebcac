// Inbound mail (`GET /v1/inbound-mail`): what became of each e-mail received, the unverified and rejected ones first
// with the reasons, and attributing an unverified message's work order to a customer and site: `PATCH` with
// `customerId` and `siteId` (and the job type, when it has none) under `If-Match`, then `POST …/release` while it waits
// for the office to release it. Live: a new e-mail request reads the list again.

import { fill, formatTime, h, plural, problemText, readable, statusLabel, workOrderLink } from './ui.js';

const outcomeWords = {
  receiving: 'Being received',
  logged: 'Logged as a request',
  linked: 'Linked to an open job',
  rejected: 'Rejected',
};
const views = {
  attention: 'Unverified or rejected',
  all: 'Every message',
  rejected: 'Rejected',
  logged: 'Logged',
  linked: 'Linked',
};

export async function show(main, ctx) {
  const view = views[ctx.query.get('view')] ? ctx.query.get('view') : 'attention';
  const [customers, sites, templates] = await Promise.all([
    ctx.reference('customers').catch(() => []),
    ctx.reference('sites').catch(() => []),
    ctx.reference('job-templates').catch(() => []),
  ]);
  const customerName = (customerId) =>
    customers.find((c) => c.customerId === customerId)?.name ?? readable(customerId ?? '');

  const list = h('ol', { class: 'cards', 'aria-label': 'Messages' });
  const count = h('p', { class: 'muted' });
  const picker = h(
    'select',
    { id: 'mail-view' },
    ...Object.entries(views).map(([value, text]) => h('option', { value, text, selected: value === view })),
  );
  const form = h(
    'form',
    { class: 'toolbar', 'aria-label': 'Which messages' },
    h('div', { class: 'field' }, h('label', { for: 'mail-view', text: 'Show' }), picker),
    h('button', { type: 'submit', class: 'secondary', text: 'Show' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`#/mail?view=${picker.value}`);
  });
  fill(main, h('h1', { text: 'Inbound mail' }), form, count, list);

  async function load() {
    const messages = [];
    let cursor;
    const outcome = ['rejected', 'logged', 'linked'].includes(view) ? `&outcome=${view}` : '';
    do {
      const page = await ctx.api(
        `v1/inbound-mail?limit=200${outcome}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      messages.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      // The newest first: a few pages are enough for an office's day, and the rest is the past.
    } while (cursor && messages.length < 1_000);
    const shown =
      view === 'attention'
        ? messages.filter((m) => m.outcome === 'rejected' || (m.unverified?.length ?? 0) > 0)
        : messages;
    // The work orders of unverified messages: whether each still needs attributing.
    const orders = new Map(
      await Promise.all(
        shown
          .filter((m) => m.workOrderId && m.unverified?.length)
          .map(async (m) => [
            m.workOrderId,
            await ctx.api(`v1/work-orders/${encodeURIComponent(m.workOrderId)}`).catch(() => undefined),
          ]),
      ),
    );
    fill(list, ...shown.map((message) => item(message, orders.get(message.workOrderId))));
    count.textContent = shown.length ? `${plural(shown.length, 'message')}.` : 'No messages to show.';
  }

  function item(message, wo) {
    const titleId = `mail-${message.id}`;
    const needsAttributing = Boolean(wo && !wo.customerId);
    return h(
      'li',
      { class: `card${message.outcome === 'rejected' ? ' rejected' : ''}`, 'data-id': message.id },
      h('h2', { id: titleId, text: message.subject || '(no subject)' }),
      h(
        'dl',
        { class: 'facts' },
        ...[
          ['From', message.from ?? 'Unknown'],
          ['Received', formatTime(message.receivedAt)],
          ['What became of it', outcomeWords[message.outcome] ?? message.outcome],
        ].map(([term, value]) => h('div', {}, h('dt', { text: term }), h('dd', { text: value }))),
        message.workOrderId
          ? h(
              'div',
              {},
              h('dt', { text: 'Work order' }),
              h(
                'dd',
                {},
                workOrderLink(message.workOrderId, wo?.ref ?? message.workOrderId),
                wo ? ` (${statusLabel(wo.status)})` : '',
              ),
            )
          : undefined,
      ),
      message.outcome === 'rejected'
        ? h('p', {
            class: 'error',
            text: `Rejected (${message.code ?? 'no code'}): ${message.reason ?? 'no reason given'}`,
          })
        : undefined,
      message.unverified?.length
        ? h('p', { class: 'notice', text: `Unverified: ${message.unverified.join('; ')}` })
        : undefined,
      message.leftOut?.length
        ? h('p', {
            text: `Attachments left out: ${message.leftOut.map((a) => `${a.filename} (${a.reason})`).join('; ')}`,
          })
        : undefined,
      needsAttributing ? attributeForm(wo, titleId) : undefined,
      wo?.customerId && message.unverified?.length
        ? h('p', { text: `Attributed to ${customerName(wo.customerId)}.` })
        : undefined,
    );
  }

  function attributeForm(wo, titleId) {
    const key = wo.id;
    const candidate = wo.unverified?.candidateCustomerId;
    const customer = h(
      'select',
      { id: `attribute-customer-${key}`, required: true },
      h('option', { value: '', text: 'Choose the customer' }),
      ...[...customers]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) =>
          h('option', {
            value: c.customerId,
            text: c.customerId === candidate ? `${c.name} (whom it claims to be from)` : c.name,
            selected: c.customerId === candidate,
          }),
        ),
    );
    const site = h('select', { id: `attribute-site-${key}`, required: true });
    const fillSites = () => {
      const theirs = sites.filter((s) => s.customerId === customer.value);
      fill(
        site,
        h('option', { value: '', text: theirs.length ? 'Choose the site' : 'Choose the customer first' }),
        ...theirs.map((s) =>
          h('option', { value: s.siteId, text: [s.name, s.address, s.postcode].filter(Boolean).join(', ') }),
        ),
      );
      if (theirs.length === 1) site.value = theirs[0].siteId;
    };
    customer.addEventListener('change', fillSites);
    fillSites();
    const jobType = wo.jobType
      ? undefined
      : h(
          'select',
          { id: `attribute-type-${key}`, required: true },
          h('option', { value: '', text: 'Choose the job type' }),
          ...templates.map((t) => h('option', { value: t.jobType, text: t.name })),
        );
    const error = h('p', { class: 'error', role: 'alert' });
    const button = h('button', { type: 'submit', text: 'Attribute' });
    const form = h(
      'form',
      { 'aria-labelledby': `attribute-title-${key}` },
      h('h3', { id: `attribute-title-${key}`, text: `Attribute ${wo.ref}` }),
      h('p', { class: 'hint', text: 'Only once you are sure who sent it: the request then goes on as theirs.' }),
      h('div', { class: 'field' }, h('label', { for: customer.id, text: 'Customer' }), customer),
      h('div', { class: 'field' }, h('label', { for: site.id, text: 'Site' }), site),
      jobType ? h('div', { class: 'field' }, h('label', { for: jobType.id, text: 'Job type' }), jobType) : undefined,
      error,
      h('div', { class: 'actions' }, button),
    );
    form.setAttribute('aria-describedby', titleId);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!customer.value || !site.value || (jobType && !jobType.value)) {
        error.textContent = 'Choose the customer, the site and the job type.';
        return;
      }
      button.disabled = true;
      error.textContent = '';
      try {
        // The work order as it is now: its version goes in If-Match, so a change made meanwhile is not overwritten.
        const latest = await ctx.api(`v1/work-orders/${encodeURIComponent(wo.id)}`);
        let attributed = await ctx.api(`v1/work-orders/${encodeURIComponent(wo.id)}`, {
          method: 'PATCH',
          ifMatch: `"${latest.version}"`,
          body: { customerId: customer.value, siteId: site.value, ...(jobType ? { jobType: jobType.value } : {}) },
        });
        if (attributed.status === 'logged') {
          attributed = await ctx.api(`v1/work-orders/${encodeURIComponent(wo.id)}/release`, { method: 'POST' });
        }
        ctx.announce(
          `${wo.ref} is attributed to ${customerName(customer.value)} and goes on: ${statusLabel(attributed.status)}.`,
        );
        await load();
        main.querySelector('h1')?.focus();
      } catch (failure) {
        error.textContent = problemText(failure);
        button.disabled = false;
      }
    });
    return form;
  }

  await load();

  let timer;
  let stopped = false;
  const unsubscribe = ctx.onEvent((event) => {
    // A new request (an e-mail among them) or a request attributed elsewhere: the list is read again, once.
    if (event.type !== 'workorder.logged' && event.type !== 'workorder.details_changed') return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped && !main.contains(document.activeElement?.closest('form'))) load().catch(ctx.report);
    }, 500);
  });
  return () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe();
  };
}
