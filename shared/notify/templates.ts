import Mustache from 'mustache';
import type { TemplateOverride } from '../db/entities/business.ts';

/** Every message the business sends: to the customer at each step, and to the office when something needs it. */
export const templateNames = [
  'request_received',
  'quote_sent',
  'appointment_booked',
  'appointment_moved',
  'on_the_way',
  'arrived',
  'completed',
  'invoice_issued',
  'follow_up_booked',
  'service_booked',
  'cancelled',
  'office_sla_at_risk',
  'office_attention',
  'office_parts_request',
  'purchase_order',
  'purchase_order_cancelled',
  'office_webhook_disabled',
] as const;
export type TemplateName = (typeof templateNames)[number];

/** The messages a contact with a mobile gets by SMS unless they opted out: they are only worth it at once. */
export const timeCritical: ReadonlySet<TemplateName> = new Set(['on_the_way', 'arrived']);

/**
 * A template's parts, in Mustache: `subject` and `text` for the e-mail (the HTML part is the text's paragraphs
 * unless `html` is given), and `sms` for a text message (kept under 160 characters where it can be).
 * The view's fields are those `MessageView` names.
 */
export interface Template {
  subject: string;
  text: string;
  html?: string;
  sms: string;
}

/** What a template may say. Absent fields render as nothing. */
export interface MessageView {
  business: { name: string; phone?: string; email?: string; website?: string };
  contactName?: string;
  ref?: string;
  description?: string;
  priority?: string;
  respondBy?: string;
  window?: string;
  previousWindow?: string;
  engineerName?: string;
  eta?: string;
  outcome?: string;
  summary?: string;
  invoiceNumber?: string;
  amount?: string;
  dueDate?: string;
  quoteNumber?: string;
  acceptUrl?: string;
  portalUrl?: string;
  dueMonth?: string;
  reason?: string;
  parts?: string;
  siteAddress?: string;
  /** A disabled webhook's address. */
  url?: string;
  /** A purchase order's number and its lines, one a line (`2 × PRV-VALVE Pressure relief valve`). */
  purchaseOrderNumber?: string;
  orderLines?: string;
  accountRef?: string;
}

const signOff = '\n\n{{business.name}}{{#business.phone}}\n{{business.phone}}{{/business.phone}}';

export const defaultTemplates: Record<TemplateName, Template> = {
  request_received: {
    subject: 'We have your request {{ref}}',
    text:
      'Hello {{contactName}},\n\nThank you: we have logged your request "{{description}}" as {{ref}}, priority ' +
      '{{priority}}. We aim to respond by {{respondBy}}.{{#portalUrl}}\n\nFollow it at {{portalUrl}}{{/portalUrl}}' +
      signOff,
    sms: '{{business.name}}: request {{ref}} logged. We aim to respond by {{respondBy}}.',
  },
  quote_sent: {
    subject: 'Your quote {{quoteNumber}}',
    text:
      'Hello {{contactName}},\n\nPlease find attached quote {{quoteNumber}} for "{{description}}": {{amount}} ' +
      'including VAT.{{#acceptUrl}}\n\nTo accept it, go to {{acceptUrl}}{{/acceptUrl}}' +
      signOff,
    sms: '{{business.name}}: quote {{quoteNumber}} for {{amount}} is in your e-mail.',
  },
  appointment_booked: {
    subject: 'Your appointment for {{ref}}: {{window}}',
    text:
      'Hello {{contactName}},\n\nYour visit for {{ref}} ("{{description}}") is booked: our engineer will arrive ' +
      '{{window}}. We will tell you when they are on the way.' +
      signOff,
    sms: '{{business.name}}: visit for {{ref}} booked, arriving {{window}}.',
  },
  appointment_moved: {
    subject: 'Your appointment for {{ref}} has moved: {{window}}',
    text:
      'Hello {{contactName}},\n\nYour visit for {{ref}} has moved: our engineer will now arrive {{window}} ' +
      '(it was {{previousWindow}}). We are sorry for any trouble.' +
      signOff,
    sms: '{{business.name}}: visit for {{ref}} moved to {{window}}.',
  },
  on_the_way: {
    subject: '{{engineerName}} is on the way ({{ref}})',
    text: `Hello {{contactName}},\n\n{{engineerName}} is on the way to you for {{ref}}, arriving about {{eta}}.${signOff}`,
    sms: '{{business.name}}: {{engineerName}} is on the way for {{ref}}, arriving about {{eta}}.',
  },
  arrived: {
    subject: '{{engineerName}} has arrived ({{ref}})',
    text: `Hello {{contactName}},\n\n{{engineerName}} has arrived for {{ref}}.${signOff}`,
    sms: '{{business.name}}: {{engineerName}} has arrived for {{ref}}.',
  },
  completed: {
    subject: 'Job {{ref}} is complete',
    text:
      'Hello {{contactName}},\n\n{{ref}} is complete: {{outcome}}.\n\n{{summary}}\n\nThe job report is attached.' +
      signOff,
    sms: '{{business.name}}: {{ref}} is complete ({{outcome}}). The report is in your e-mail.',
  },
  invoice_issued: {
    subject: 'Invoice {{invoiceNumber}} for {{ref}}: {{amount}}',
    text:
      'Hello {{contactName}},\n\nPlease find attached invoice {{invoiceNumber}} for {{ref}}: {{amount}}, due by ' +
      '{{dueDate}}.{{#portalUrl}}\n\nYour invoices are also at {{portalUrl}}{{/portalUrl}}' +
      signOff,
    sms: '{{business.name}}: invoice {{invoiceNumber}} for {{amount}}, due {{dueDate}}, is in your e-mail.',
  },
  follow_up_booked: {
    subject: 'A return visit is booked: {{ref}}',
    text:
      'Hello {{contactName}},\n\nWe have logged a return visit, {{ref}}: "{{description}}". We will tell you when ' +
      'it is booked.' +
      signOff,
    sms: '{{business.name}}: return visit {{ref}} logged.',
  },
  service_booked: {
    subject: 'Your next service is booked: {{ref}}',
    text:
      'Hello {{contactName}},\n\nYour next service, {{ref}} ("{{description}}"), is booked for {{dueMonth}}. We ' +
      'will confirm the day nearer the time.' +
      signOff,
    sms: '{{business.name}}: next service {{ref}} booked for {{dueMonth}}.',
  },
  cancelled: {
    subject: '{{ref}} is cancelled',
    text: `Hello {{contactName}},\n\n{{ref}} ("{{description}}") is cancelled.{{#reason}} {{reason}}{{/reason}}${signOff}`,
    sms: '{{business.name}}: {{ref}} is cancelled.',
  },
  office_sla_at_risk: {
    subject: 'SLA at risk: {{ref}} ({{priority}})',
    text: '{{ref}} at {{siteAddress}} is due by {{respondBy}} and is at risk of missing it.\n\n{{description}}',
    sms: 'SLA at risk: {{ref}}, due {{respondBy}}.',
  },
  office_attention: {
    subject: 'Needs attention: {{ref}}',
    text: '{{ref}} was flagged for attention: {{reason}}\n\n{{description}}',
    sms: 'Needs attention: {{ref}}: {{reason}}',
  },
  office_parts_request: {
    subject: 'Parts requested for {{ref}}',
    text: '{{engineerName}} asked for parts for {{ref}}:\n\n{{parts}}{{#reason}}\n\n{{reason}}{{/reason}}',
    sms: 'Parts requested for {{ref}}: {{parts}}',
  },
  office_webhook_disabled: {
    subject: 'A webhook was disabled: {{url}}',
    text:
      'The webhook to {{url}} was disabled: {{reason}}\n\nNothing more is sent to it until an admin enables it ' +
      'again (PATCH /v1/webhooks/{id}); its deliveries can then be replayed.',
    sms: 'A webhook was disabled: {{url}}',
  },
  purchase_order: {
    subject: 'Purchase order {{purchaseOrderNumber}} from {{business.name}}',
    text:
      'Hello {{contactName}},\n\nPlease supply the following against purchase order {{purchaseOrderNumber}}' +
      '{{#accountRef}} (our account {{accountRef}}){{/accountRef}}:\n\n{{orderLines}}\n\nThe order is attached. ' +
      'Please quote {{purchaseOrderNumber}} on your delivery note and invoice.' +
      signOff,
    sms: '{{business.name}}: purchase order {{purchaseOrderNumber}} is in your e-mail.',
  },
  purchase_order_cancelled: {
    subject: 'Purchase order {{purchaseOrderNumber}} from {{business.name}} is cancelled',
    text:
      'Hello {{contactName}},\n\nPlease cancel purchase order {{purchaseOrderNumber}}' +
      '{{#accountRef}} (our account {{accountRef}}){{/accountRef}}:\n\n{{orderLines}}\n\n' +
      '{{#reason}}Reason: {{reason}}\n\n{{/reason}}If any of it has already been sent, please let us know.' +
      signOff,
    sms: '{{business.name}}: purchase order {{purchaseOrderNumber}} is cancelled; details in your e-mail.',
  },
};

export interface Rendered {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

/**
 * A template rendered for a view: the business's own wording where it has set one, the default otherwise. The text
 * and SMS are not HTML-escaped; the HTML part escapes every value and carries the business's name and logo.
 */
export function renderTemplate(
  name: TemplateName,
  view: MessageView,
  options: { override?: TemplateOverride; logo?: string } = {},
): Rendered {
  const template = { ...defaultTemplates[name], ...options.override };
  const plain = (source: string) => Mustache.render(source, view, {}, { escape: (value: string) => value });
  const text = plain(template.text).trim();
  const body = template.html
    ? Mustache.render(template.html, view)
    : Mustache.render(template.text, view)
        .trim()
        .split(/\n{2,}/)
        .map((paragraph) => `<p>${paragraph.replaceAll('\n', '<br>')}</p>`)
        .join('\n');
  return {
    subject: plain(template.subject).trim(),
    text,
    html: page(view, body, options.logo),
    sms: plain(template.sms).trim(),
  };
}

function page(view: MessageView, body: string, logo?: string): string {
  const name = Mustache.render('{{business.name}}', view);
  const header = logo?.startsWith('data:image/png;base64,')
    ? `<img src="${logo}" alt="${name}" height="48">`
    : `<strong style="font-size:20px">${name}</strong>`;
  return [
    '<!doctype html>',
    '<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${name}</title></head>`,
    '<body style="margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;background:#ffffff">',
    `<div style="max-width:600px;margin:0 auto"><div style="padding-bottom:16px;border-bottom:2px solid #0b3d91">${header}</div>`,
    `<div style="padding-top:16px">${body}</div></div>`,
    '</body></html>',
  ].join('\n');
}
