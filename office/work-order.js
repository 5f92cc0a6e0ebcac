// One work order, as the office reads it: its details, the timeline, what the engineer recorded on site (time, materials,
// parts requests, notes, the job sheet), photos and the signature (shown through short-lived links), the invoice,
// what the customer and the office were sent and the documents it left,
// the jobs linked to it, and its workflow (workflow.js). Live: a change to this work order reads it again.

import {
  fact,
  fill,
  formatTime,
  h,
  measure,
  money,
  outcomeLabels,
  priorityBadge,
  readable,
  slaState,
  slaWords,
  sourceLabels,
  statusBadge,
  statusLabel,
  waitingLabels,
  workOrderLink,
} from './ui.js';
import { showWorkflow } from './workflow.js';

const entryWords = {
  logged: 'Logged',
  status_changed: 'Status changed',
  details_changed: 'Details changed',
  released: 'Released by the office',
  replanned: 'Replanned',
  no_engineer_matched: 'No engineer matched',
  attention_flagged: 'Flagged for attention',
  execution_redriven: 'Workflow re-driven',
  request_linked: 'A request was linked to it',
  request_split: 'A request was split off',
  follow_up_logged: 'Follow-up logged',
  field_update_recorded: 'Late field update recorded',
  time_logged: 'Time logged',
  material_used: 'Material used',
  parts_requested: 'Parts requested',
  note_added: 'Note added',
  checklist_answered: 'Job sheet answered',
  message_sent: 'Message sent',
  message_skipped: 'Message not sent',
  sla_at_risk: 'SLA at risk',
};

export async function show(main, ctx) {
  const id = ctx.params.id;
  if (!id) {
    fill(main, h('h1', { text: 'Work order' }), h('p', { text: 'No work order is named.' }));
    return;
  }
  const started = performance.now();
  const [wo, engineers, customers, sites, parts, templates] = await Promise.all([
    ctx.api(`v1/work-orders/${encodeURIComponent(id)}`),
    ctx.reference('engineers').catch(() => []),
    ctx.reference('customers').catch(() => []),
    ctx.reference('sites').catch(() => []),
    ctx.reference('parts').catch(() => []),
    ctx.reference('job-templates').catch(() => []),
  ]);
  const names = {
    engineer: new Map(engineers.map((e) => [e.engineerId, e.name])),
    customer: new Map(customers.map((c) => [c.customerId, c.name])),
    site: new Map(sites.map((s) => [s.siteId, s])),
    part: new Map(parts.map((p) => [p.sku, p.name])),
    template: new Map(templates.map((t) => [t.jobType, t.name])),
  };
  const engineerName = (engineerId) => (engineerId ? (names.engineer.get(engineerId) ?? readable(engineerId)) : '');
  const partName = (sku) => (names.part.get(sku) ? `${names.part.get(sku)} (${sku})` : sku);

  const heading = h('h1');
  const details = h('section', { 'aria-labelledby': 'wo-details' });
  const records = h('section', { 'aria-labelledby': 'wo-records' });
  const media = h('section', { 'aria-labelledby': 'wo-media' });
  const invoice = h('section', { 'aria-labelledby': 'wo-invoice' });
  const told = h('section', { 'aria-labelledby': 'wo-messages' });
  const linked = h('section', { 'aria-labelledby': 'wo-linked' });
  const timeline = h('section', { 'aria-labelledby': 'wo-timeline' });
  const workflow = h('div');
  fill(
    main,
    h('p', {}, h('a', { href: '#/jobs', text: '‹ Jobs' })),
    heading,
    details,
    linked,
    records,
    media,
    invoice,
    told,
    h('section', { 'aria-labelledby': 'wo-workflow' }, h('h2', { id: 'wo-workflow', text: 'Workflow' }), workflow),
    timeline,
  );

  /** Download links by attachment id, kept until they expire, so a live change does not reload every picture. */
  const links = new Map();

  function render(current) {
    heading.textContent = `${current.ref}: ${shorten(current.description, 80)}`;
    renderDetails(current);
    renderLinked(current);
    renderRecords(current);
    renderTimeline(current);
    renderMedia(current).catch((error) => console.error('[work order] attachments', error));
  }

  function renderDetails(wo) {
    const site = wo.siteId ? names.site.get(wo.siteId) : undefined;
    fill(
      details,
      h('h2', { id: 'wo-details', text: 'Details' }),
      wo.attention
        ? h(
            'p',
            { class: 'problem' },
            h('strong', { text: 'Flagged for attention: ' }),
            `${wo.attention.reason} (since ${formatTime(wo.attention.at)})`,
            wo.attention.error ? ` Error: ${wo.attention.error}.` : '',
          )
        : undefined,
      wo.unverified
        ? h(
            'p',
            { class: 'notice' },
            h('strong', { text: 'An unverified e-mail request: ' }),
            wo.unverified.reasons.join('; '),
            '. ',
            h('a', { href: '#/mail', text: 'Attribute it from Inbound mail' }),
          )
        : undefined,
      h(
        'dl',
        { class: 'facts' },
        fact(
          'Status',
          h(
            'span',
            {},
            statusBadge(wo.status),
            wo.waitingFor ? ` waiting for ${waitingLabels[wo.waitingFor] ?? wo.waitingFor}` : '',
          ),
        ),
        fact('Priority', priorityBadge(wo.priority)),
        fact(
          'SLA',
          ['completed', 'closed', 'rejected', 'cancelled'].includes(wo.status)
            ? `Was due ${formatTime(wo.slaDueAt)}`
            : h('span', {
                class: `sla-${slaState(wo.slaDueAt)}`,
                text: `${slaWords(wo.slaDueAt)} (due ${formatTime(wo.slaDueAt)})`,
              }),
        ),
        fact('Customer', wo.customerId ? (names.customer.get(wo.customerId) ?? readable(wo.customerId)) : 'Not known'),
        fact(
          'Site',
          [site?.name, site?.address ?? wo.site?.address, site?.postcode ?? wo.site?.postcode]
            .filter(Boolean)
            .join(', '),
        ),
        fact('Contact', [wo.contact?.name, wo.contact?.phone, wo.contact?.email].filter(Boolean).join(', ')),
        fact('Engineer', engineerName(wo.engineerId)),
        fact('Planned start', wo.scheduledStart ? formatTime(wo.scheduledStart) : undefined),
        // A job longer than a shift, or a return with parts: each day it holds the engineer, and for how long.
        fact(
          wo.visits?.length === 1 ? 'Return visit' : 'Visits',
          wo.visits?.length
            ? h(
                'ul',
                { class: 'plain' },
                ...wo.visits.map((visit) =>
                  h('li', {
                    text: `${formatTime(visit.start)} to ${formatTime(visit.end)}, ${visit.minutes} min of work`,
                  }),
                ),
              )
            : undefined,
        ),
        fact('Job type', wo.jobType ? (names.template.get(wo.jobType) ?? readable(wo.jobType)) : undefined),
        fact('Takes about', wo.estimatedMinutes ? `${wo.estimatedMinutes} min` : undefined),
        fact('Estimated cost', wo.estimatedCostMinor !== undefined ? money(wo.estimatedCostMinor) : undefined),
        fact(
          'Approval',
          wo.approvalRequired
            ? wo.approvedCostMinor !== undefined
              ? `Approved up to ${money(wo.approvedCostMinor)}`
              : 'Needed'
            : 'Not needed',
        ),
        fact('Skills', (wo.requiredSkills ?? []).join(', ')),
        fact('Certificates', (wo.requiredCertifications ?? []).join(', ')),
        fact('Source', sourceLabels[wo.source] ?? wo.source),
        fact('Logged', formatTime(wo.loggedAt)),
        fact('Triage', (wo.triageReasons ?? []).join('; ')),
        fact('Access', wo.accessInstructions),
        fact('Safety', wo.safetyNotes),
        fact('Parts planned', (wo.parts ?? []).map((p) => `${p.qty} × ${partName(p.sku)}`).join(', ')),
      ),
      h('p', { text: wo.description }),
      wo.email
        ? h(
            'div',
            {},
            h('h3', { text: 'The e-mail it came in' }),
            h('p', { text: `From ${wo.email.from}: “${wo.email.subject}”` }),
            wo.email.attachments.length
              ? h(
                  'ul',
                  {},
                  ...wo.email.attachments.map((a) =>
                    h('li', { text: `${a.filename} (${a.contentType}, ${Math.ceil(a.sizeBytes / 1024)} KB)` }),
                  ),
                )
              : undefined,
            wo.email.leftOut.length
              ? h('p', { text: `Left out: ${wo.email.leftOut.map((a) => `${a.filename} (${a.reason})`).join('; ')}` })
              : undefined,
          )
        : undefined,
    );
  }

  function renderLinked(wo) {
    const items = [
      wo.followUpOf ? h('li', {}, 'A follow-up of ', workOrderLink(wo.followUpOf)) : undefined,
      wo.followUpId ? h('li', {}, 'Its follow-up: ', workOrderLink(wo.followUpId)) : undefined,
      wo.quoteId ? h('li', { text: `From quote ${wo.quoteId}` }) : undefined,
      ...(wo.linkedRequests ?? []).map((link) =>
        h('li', {
          text: `Request ${link.requestId} (${sourceLabels[link.source] ?? link.source}) linked as a duplicate at ${formatTime(
            link.at,
          )}${link.request?.description ? `: “${shorten(String(link.request.description), 100)}”` : ''}`,
        }),
      ),
    ].filter(Boolean);
    linked.hidden = items.length === 0;
    fill(linked, h('h2', { id: 'wo-linked', text: 'Linked jobs' }), h('ul', {}, ...items));
  }

  function renderRecords(wo) {
    const table = (caption, headings, rows) =>
      rows.length
        ? h(
            'table',
            {},
            h('caption', { text: caption }),
            h('thead', {}, h('tr', {}, ...headings.map((name) => h('th', { scope: 'col', text: name })))),
            h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', { text: cell }))))),
          )
        : undefined;
    const minutes = (log) => Math.round((Date.parse(log.endedAt) - Date.parse(log.startedAt)) / 60_000);
    const checklist = wo.checklist ?? [];
    const answers = wo.checklistAnswers ?? {};
    const answerText = (item) => {
      const answer = answers[item.id];
      if (!answer) return item.required ? 'Not answered (required)' : 'Not answered';
      const value = answer.value;
      if (item.kind === 'boolean') return value ? 'Yes' : 'No';
      if (item.kind === 'number') return `${value}${item.unit ? ` ${item.unit}` : ''}`;
      if (item.kind === 'photo') return 'Photo (below)';
      return String(value);
    };
    const sections = [
      table(
        'Time logged',
        ['Kind', 'From', 'To', 'Minutes', 'Engineer'],
        (wo.timeLogs ?? []).map((log) => [
          log.kind === 'travel' ? 'Travel' : 'Work',
          formatTime(log.startedAt),
          formatTime(log.endedAt),
          String(minutes(log)),
          engineerName(log.engineerId),
        ]),
      ),
      table(
        'Materials used',
        ['Part', 'Quantity', 'At'],
        (wo.materials ?? []).map((m) => [partName(m.sku), String(m.qty), formatTime(m.at)]),
      ),
      table(
        'Parts requested',
        ['Part', 'Quantity', 'Note', 'At'],
        (wo.partsRequests ?? []).map((p) => [partName(p.sku), String(p.qty), p.note ?? '', formatTime(p.at)]),
      ),
      table(
        'Notes',
        ['Note', 'Engineer', 'At'],
        (wo.notes ?? []).map((n) => [n.text, engineerName(n.engineerId), formatTime(n.at)]),
      ),
      table(
        'Job sheet',
        ['Item', 'Answer'],
        checklist.map((item) => [item.label, answerText(item)]),
      ),
    ].filter(Boolean);
    const completion = wo.completion
      ? h(
          'div',
          {},
          h('h3', { text: 'Completion' }),
          h(
            'dl',
            { class: 'facts' },
            fact('Outcome', outcomeLabels[wo.completion.outcome] ?? wo.completion.outcome),
            fact('Found', wo.completion.findings),
            fact('Done', wo.completion.workDone),
            fact(
              'Parts used',
              wo.completion.partsUsed.map((p) => `${p.qty} × ${partName(p.sku)}`).join(', ') || 'None',
            ),
            fact('Follow-up', wo.completion.followUp),
            fact('Why not completed', wo.completion.reason),
            fact('Completed', `${formatTime(wo.completion.at)} by ${engineerName(wo.completion.completedBy)}`),
            fact(
              'First-time fix',
              wo.completion.firstTimeFix === undefined ? undefined : wo.completion.firstTimeFix ? 'Yes' : 'No',
            ),
          ),
        )
      : undefined;
    fill(
      records,
      h('h2', { id: 'wo-records', text: 'On site' }),
      ...(sections.length || completion
        ? [...sections, completion]
        : [h('p', { text: 'Nothing recorded on site yet.' })]),
    );
  }

  async function renderMedia(wo) {
    const attachments = wo.attachments ?? [];
    const list = h('ul', { class: 'thumbs' });
    fill(
      media,
      h('h2', { id: 'wo-media', text: 'Photos and signature' }),
      attachments.length ? list : h('p', { text: 'No photos or signature.' }),
    );
    for (const attachment of attachments) {
      const what = attachment.kind === 'signature' ? 'Customer’s signature' : 'Photo';
      const caption = `${what}, ${formatTime(attachment.createdAt)}`;
      if (attachment.status !== 'verified') {
        list.append(
          h('li', {
            text: `${caption}: ${attachment.status === 'pending' ? 'being checked' : `quarantined (${attachment.reason ?? 'failed its checks'})`}`,
          }),
        );
        continue;
      }
      const item = h('li', { class: attachment.kind });
      list.append(item);
      try {
        let link = links.get(attachment.attachmentId);
        if (!link || Date.parse(link.expiresAt) < Date.now() + 30_000) {
          link = await ctx.api(
            `v1/work-orders/${encodeURIComponent(wo.id)}/attachments/${encodeURIComponent(attachment.attachmentId)}`,
          );
          links.set(attachment.attachmentId, link);
        }
        item.append(
          h('a', { href: link.url, target: '_blank', rel: 'noopener' }, h('img', { src: link.url, alt: caption })),
        );
      } catch (error) {
        item.append(h('p', { text: `${caption}: could not be shown (${error.message})` }));
      }
    }
  }

  async function renderInvoice() {
    let page;
    try {
      page = await ctx.api(`v1/invoices?workOrderId=${encodeURIComponent(id)}`);
    } catch (error) {
      fill(invoice, h('h2', { id: 'wo-invoice', text: 'Invoice' }), h('p', { text: error.message }));
      return;
    }
    const [issued] = page.items;
    if (!issued) {
      fill(invoice, h('h2', { id: 'wo-invoice', text: 'Invoice' }), h('p', { text: 'No invoice yet.' }));
      return;
    }
    fill(
      invoice,
      h('h2', { id: 'wo-invoice', text: `Invoice ${issued.number ?? '(not numbered yet)'}` }),
      h('p', { text: `Issued ${formatTime(issued.issuedAt)}.` }),
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden', text: 'Invoice lines' }),
        h(
          'thead',
          {},
          h('tr', {}, ...['Line', 'Quantity', 'Unit', 'Total'].map((name) => h('th', { scope: 'col', text: name }))),
        ),
        h(
          'tbody',
          {},
          ...issued.lines.map((line) =>
            h(
              'tr',
              {},
              h('td', { text: line.description }),
              h('td', { text: String(line.qty) }),
              h('td', { text: money(line.unitMinor, issued.currency) }),
              h('td', { text: money(line.totalMinor, issued.currency) }),
            ),
          ),
        ),
        h(
          'tfoot',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'row', colspan: '3', text: 'Subtotal' }),
            h('td', { text: money(issued.subtotalMinor, issued.currency) }),
          ),
          h(
            'tr',
            {},
            h('th', { scope: 'row', colspan: '3', text: 'VAT' }),
            h('td', { text: money(issued.taxMinor, issued.currency) }),
          ),
          h(
            'tr',
            {},
            h('th', { scope: 'row', colspan: '3', text: 'Total' }),
            h('td', { text: money(issued.totalMinor, issued.currency) }),
          ),
        ),
      ),
    );
  }

  /** What the customer and the office were sent about the job, and the documents it left (links last 5 minutes). */
  async function renderMessages() {
    let messages;
    let documents;
    try {
      [messages, documents] = await Promise.all([
        ctx.api(`v1/work-orders/${encodeURIComponent(id)}/messages`),
        ctx.api(`v1/work-orders/${encodeURIComponent(id)}/documents`),
      ]);
    } catch (error) {
      fill(told, h('h2', { id: 'wo-messages', text: 'Messages and documents' }), h('p', { text: error.message }));
      return;
    }
    const channelWords = { email: 'E-mail', sms: 'Text' };
    fill(
      told,
      h('h2', { id: 'wo-messages', text: 'Messages and documents' }),
      documents.items.length
        ? h(
            'ul',
            { class: 'documents' },
            ...documents.items.map((document) =>
              h(
                'li',
                {},
                h('a', { href: document.url, target: '_blank', rel: 'noopener', text: `${document.title} (PDF)` }),
                ` made ${formatTime(document.createdAt)}`,
              ),
            ),
          )
        : h('p', { text: 'No documents yet.' }),
      messages.items.length
        ? h(
            'ol',
            { class: 'messages' },
            ...messages.items.map((message) =>
              h(
                'li',
                {},
                h('strong', { text: formatTime(message.sentAt ?? message.createdAt) }),
                ` ${channelWords[message.channel] ?? message.channel} to ${message.to}`,
                message.audience === 'office' ? ' (the office)' : '',
                `: ${message.subject ?? message.text}`,
                message.status === 'sent'
                  ? ''
                  : h('span', {
                      class: 'muted',
                      text: message.status === 'skipped' ? ` (not sent: ${message.reason})` : ' (sending…)',
                    }),
              ),
            ),
          )
        : h('p', { text: 'Nothing sent yet.' }),
    );
  }

  function renderTimeline(wo) {
    const entries = [...(wo.timeline ?? [])].reverse();
    fill(
      timeline,
      h('h2', { id: 'wo-timeline', text: 'Timeline, newest first' }),
      h(
        'ol',
        { class: 'timeline', reversed: true },
        ...entries.map((entry) =>
          h(
            'li',
            {},
            h('strong', { text: formatTime(entry.at) }),
            ` ${entryWords[entry.type] ?? entry.type.replaceAll('_', ' ')}`,
            entry.from || entry.to
              ? `: ${entry.from ? `${statusLabel(entry.from)} → ` : ''}${entry.to ? statusLabel(entry.to) : ''}`
              : '',
            entry.reason ? `. ${entry.reason}` : '',
            h('span', { class: 'muted', text: ` (${entry.actor})` }),
          ),
        ),
      ),
    );
  }

  render(wo);
  measure('office:first-render work-order', started);
  const [flow] = await Promise.all([showWorkflow(workflow, ctx, wo), renderInvoice(), renderMessages()]);

  let reading;
  let again = false;
  let stopped = false;
  const unsubscribe = ctx.onEvent((event) => {
    if (event.workOrderId !== id) return;
    if (reading) {
      again = true;
      return;
    }
    reading = (async () => {
      do {
        again = false;
        try {
          const current = await ctx.api(`v1/work-orders/${encodeURIComponent(id)}`);
          if (stopped) return;
          render(current);
          await Promise.all([flow.refresh(current), renderInvoice(), renderMessages()]);
        } catch (error) {
          console.error('[work order] could not read it again', error);
        }
      } while (again && !stopped);
      reading = undefined;
    })();
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}

function shorten(text, length) {
  if (!text) return '';
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
