// Approvals: the work orders waiting in `pending_approval`, each with its estimated cost and the rule that asked for
// approval (its job template's: always, or above a cost threshold; or an estimate that rose past what was approved),
// to approve, or reject with a reason. Approvers and admins decide; a dispatcher reads the inbox only. Live: a work
// order that starts or stops waiting comes or goes.

import {
  fact,
  fill,
  formatTime,
  h,
  measure,
  money,
  plural,
  priorityBadge,
  problemText,
  readable,
  slaState,
  slaWords,
  workOrderLink,
} from './ui.js';

const deciders = ['approver', 'admin'];

export async function show(main, ctx) {
  const canDecide = deciders.includes(ctx.role);
  const [templates, customers, sites] = await Promise.all([
    ctx.reference('job-templates').catch(() => []),
    ctx.reference('customers').catch(() => []),
    ctx.reference('sites').catch(() => []),
  ]);
  const templateOf = new Map(templates.map((t) => [t.jobType, t]));
  const customerName = new Map(customers.map((c) => [c.customerId, c.name]));
  const siteOf = new Map(sites.map((s) => [s.siteId, s]));

  const waiting = [];
  let cursor;
  do {
    const page = await ctx.api(
      `v1/work-orders?status=pending_approval&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    waiting.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  const list = h('ul', { class: 'cards', 'aria-label': 'Waiting for approval' });
  const count = h('p', { class: 'muted' });
  const cards = new Map();
  fill(
    main,
    h('h1', { text: 'Approvals' }),
    canDecide
      ? h('p', { class: 'hint', text: 'Approve a job to send it on to scheduling, or reject it with the reason.' })
      : h('p', {
          class: 'notice',
          text: 'You can read this inbox as a dispatcher; approving or rejecting needs the approver or admin role.',
        }),
    count,
    list,
  );

  function renderCount() {
    count.textContent = cards.size ? `${plural(cards.size, 'job')} waiting.` : 'Nothing is waiting for approval.';
  }

  /** Why this job needs approval, in words: its template's rule, or an estimate above what was approved. */
  function ruleOf(wo) {
    const template = wo.jobType ? templateOf.get(wo.jobType) : undefined;
    const name = template?.name ?? readable(wo.jobType ?? '');
    if (wo.approvedCostMinor !== undefined && (wo.estimatedCostMinor ?? 0) > wo.approvedCostMinor) {
      return `The estimate rose above the ${money(wo.approvedCostMinor)} approved before.`;
    }
    if (template?.requiresApproval) return `Every ${name} job needs approval.`;
    if (template?.approvalThresholdMinor !== undefined) {
      return `The estimate is over the ${money(template.approvalThresholdMinor)} threshold for ${name} jobs.`;
    }
    const asked = [...(wo.timeline ?? [])].reverse().find((entry) => entry.to === 'pending_approval');
    return asked?.reason ?? 'Its job type needs approval.';
  }

  function card(wo) {
    const site = wo.siteId ? siteOf.get(wo.siteId) : undefined;
    const reason = h('textarea', { id: `reason-${wo.id}`, rows: '2', maxlength: '2000' });
    const error = h('p', { class: 'error', role: 'alert' });
    const decide = async (button, path, body, done) => {
      button.disabled = true;
      error.textContent = '';
      try {
        await ctx.api(`v1/work-orders/${encodeURIComponent(wo.id)}/${path}`, { method: 'POST', body });
        remove(wo.id);
        ctx.announce(done);
        list.querySelector('button')?.focus();
        if (!list.querySelector('button')) main.querySelector('h1')?.focus();
      } catch (failure) {
        error.textContent = problemText(failure);
        button.disabled = false;
      }
    };
    const approve = h('button', { type: 'button', text: 'Approve' });
    approve.addEventListener('click', () => decide(approve, 'approve', undefined, `${wo.ref} is approved.`));
    const reject = h('button', { type: 'button', class: 'danger', text: 'Reject' });
    reject.addEventListener('click', () => {
      const why = reason.value.trim();
      if (!why) {
        error.textContent = 'Say why it is rejected: the customer and the office read it.';
        reason.focus();
        return;
      }
      decide(reject, 'reject', { reason: why }, `${wo.ref} is rejected.`);
    });
    const titleId = `approval-${wo.id}`;
    return h(
      'li',
      { class: `card priority-${wo.priority}`, 'data-id': wo.id },
      h('h2', { id: titleId }, workOrderLink(wo.id, wo.ref), ` ${wo.description}`),
      h(
        'dl',
        { class: 'facts' },
        fact('Estimated cost', h('strong', { text: money(wo.estimatedCostMinor ?? 0) })),
        fact('Why it needs approval', ruleOf(wo)),
        fact('Priority', priorityBadge(wo.priority)),
        fact('SLA', h('span', { class: `sla-${slaState(wo.slaDueAt)}`, text: slaWords(wo.slaDueAt) })),
        fact('Customer', wo.customerId ? (customerName.get(wo.customerId) ?? readable(wo.customerId)) : undefined),
        fact('Site', [site?.name ?? site?.address ?? wo.site?.address, site?.postcode].filter(Boolean).join(', ')),
        fact('Job type', templateOf.get(wo.jobType)?.name ?? readable(wo.jobType ?? '')),
        fact('Parts', (wo.parts ?? []).map((p) => `${p.qty} × ${p.sku}`).join(', ')),
        fact('Logged', formatTime(wo.loggedAt)),
      ),
      canDecide
        ? h(
            'div',
            {},
            h(
              'div',
              { class: 'field' },
              h('label', { for: `reason-${wo.id}`, text: 'Reason, if you reject it' }),
              reason,
            ),
            error,
            h('div', { class: 'actions' }, approve, reject),
          )
        : undefined,
    );
  }

  function add(wo) {
    const element = card(wo);
    const existing = cards.get(wo.id);
    if (existing) existing.replaceWith(element);
    else list.append(element);
    cards.set(wo.id, element);
    renderCount();
  }

  function remove(id) {
    cards.get(id)?.remove();
    cards.delete(id);
    renderCount();
  }

  const started = performance.now();
  for (const wo of waiting) add(wo);
  renderCount();
  measure('office:first-render approvals', started);

  const pending = new Set();
  let stopped = false;
  const unsubscribe = ctx.onEvent(async (event) => {
    const id = event.workOrderId;
    if (!id || pending.has(id)) return;
    // Only changes that may start or end a wait for approval, or change what is shown, are read.
    if (!cards.has(id) && !(event.type === 'workorder.status_changed' && event.data?.to === 'pending_approval')) return;
    pending.add(id);
    try {
      const wo = await ctx.api(`v1/work-orders/${encodeURIComponent(id)}`);
      if (stopped) return;
      if (wo.status === 'pending_approval') {
        const isNew = !cards.has(id);
        add(wo);
        if (isNew) ctx.announce(`${wo.ref} is waiting for approval.`);
      } else if (cards.has(id)) {
        remove(id);
      }
    } catch (error) {
      if (error.status === 404) remove(id);
    } finally {
      pending.delete(id);
    }
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
