import { uploadPrefix } from '#shared/attachments/rules.ts';
import { documentPrefix } from '#shared/documents/prefix.ts';
import { mailAttachmentPrefix } from '#shared/intake/email/rules.ts';

/**
 * Every HTTP route and the handler file that serves it: the routing table read by the CDK stack (one Lambda per
 * handler file, one HTTP API route per row) and by the local server (the same handler files, in process).
 * Plain data with no CDK import, so the local server loads it in milliseconds.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway route path; `{name}` segments arrive as `event.pathParameters.name`. */
  path: string;
  /** Handler file relative to the repository root; it exports `handler`. */
  handler: string;
  /** `false` for the few routes that need no token. */
  auth?: boolean;
  /** Why a deployed route needs no token: the acknowledgement of cdk-nag's finding that it has none. */
  publicBecause?: string;
  /** Served only by the local server (`npm start`), never deployed. */
  localOnly?: boolean;
  /**
   * The handler computes for seconds of CPU (the day optimiser): the local server runs it in a worker thread, as
   * Lambda runs it in an instance of its own, so that every other request keeps being answered meanwhile.
   */
  cpuBound?: true;
  /**
   * What the handler touches, so the stack grants exactly that: `read` or `write` on the table, `workflow` to
   * start executions, answer task tokens and read execution history, `cursorKey` to seal and open the cursors of a
   * list (shared/http/cursor.ts), and a `BucketAccess` for each prefix of the attachments bucket it reads, writes or
   * presigns under.
   */
  needs: Need[];
}

/**
 * S3 actions on the attachments bucket's keys under one prefix (`s3:ListBucket` limited to listing under it, so a
 * missing key answers 404 rather than 403). A presigned URL acts with the signing function's own permissions:
 * presigning an upload needs `s3:PutObject`, presigning a download `s3:GetObject` (and `s3:GetObjectVersion` when
 * it names a version).
 */
export interface BucketAccess {
  prefix: string;
  actions: BucketAction[];
}

export type BucketAction =
  | 's3:GetObject'
  | 's3:GetObjectVersion'
  | 's3:PutObject'
  | 's3:DeleteObject'
  | 's3:ListBucket';

export type Need = 'read' | 'write' | 'workflow' | 'cursorKey' | BucketAccess;

export const routes: Route[] = [
  {
    method: 'POST',
    path: '/local/token',
    handler: 'functions/local/issue-token.ts',
    auth: false,
    localOnly: true,
    needs: [],
  },
  {
    method: 'GET',
    path: '/local/seed',
    handler: 'functions/local/seed-ids.ts',
    auth: false,
    localOnly: true,
    needs: ['read'],
  },
  {
    method: 'GET',
    path: '/local/outbox',
    handler: 'functions/local/outbox.ts',
    auth: false,
    localOnly: true,
    needs: ['read'],
  },
  {
    method: 'POST',
    path: '/local/due',
    handler: 'functions/local/run-due.ts',
    auth: false,
    localOnly: true,
    needs: ['write', 'workflow'],
  },

  {
    method: 'GET',
    path: '/v1/openapi.json',
    handler: 'functions/docs/openapi.ts',
    auth: false,
    publicBecause: 'The OpenAPI document describes the API, as its published documentation does; it holds no data.',
    needs: [],
  },
  { method: 'GET', path: '/v1/categories', handler: 'functions/reference/list-categories.ts', needs: ['read'] },
  { method: 'POST', path: '/v1/requests', handler: 'functions/intake/submit-request.ts', needs: ['write', 'workflow'] },
  { method: 'GET', path: '/v1/requests', handler: 'functions/intake/list-requests.ts', needs: ['read', 'cursorKey'] },
  { method: 'GET', path: '/v1/requests/{id}', handler: 'functions/intake/get-request.ts', needs: ['read'] },
  { method: 'GET', path: '/v1/requests/{id}/slots', handler: 'functions/intake/list-slots.ts', needs: ['read'] },
  {
    method: 'POST',
    path: '/v1/requests/{id}/slot',
    handler: 'functions/intake/book-slot.ts',
    needs: ['write', 'workflow'],
  },
  { method: 'GET', path: '/v1/me', handler: 'functions/intake/me.ts', needs: ['read'] },
  {
    method: 'GET',
    path: '/v1/inbound-mail',
    handler: 'functions/intake/list-inbound-mail.ts',
    needs: ['read', 'cursorKey'],
  },

  {
    method: 'POST',
    path: '/v1/work-orders',
    handler: 'functions/work-orders/create-work-order.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'GET',
    path: '/v1/work-orders',
    handler: 'functions/work-orders/list-work-orders.ts',
    needs: ['read', 'cursorKey'],
  },
  { method: 'GET', path: '/v1/work-orders/{id}', handler: 'functions/work-orders/get-work-order.ts', needs: ['read'] },
  {
    method: 'PATCH',
    path: '/v1/work-orders/{id}',
    handler: 'functions/work-orders/update-work-order.ts',
    needs: ['write'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/release',
    handler: 'functions/work-orders/release.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/split',
    handler: 'functions/work-orders/split-request.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/approve',
    handler: 'functions/work-orders/approve.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/reject',
    handler: 'functions/work-orders/reject.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/assign',
    handler: 'functions/scheduling/assign.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/reassign',
    handler: 'functions/scheduling/reassign.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/return-visit',
    handler: 'functions/scheduling/return-visit.ts',
    needs: ['write'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/cancel',
    handler: 'functions/work-orders/cancel.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'GET',
    path: '/v1/work-orders/{id}/execution',
    handler: 'functions/work-orders/get-execution.ts',
    needs: ['read', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/redrive',
    handler: 'functions/work-orders/redrive.ts',
    needs: ['write', 'workflow'],
  },
  { method: 'GET', path: '/v1/workflow', handler: 'functions/work-orders/workflow.ts', needs: [] },

  {
    method: 'GET',
    path: '/v1/work-orders/{id}/candidates',
    handler: 'functions/scheduling/list-candidates.ts',
    needs: ['read'],
  },
  {
    method: 'GET',
    path: '/v1/dispatch-board',
    handler: 'functions/scheduling/dispatch-board.ts',
    needs: ['read'],
  },
  {
    method: 'POST',
    path: '/v1/schedule/optimise',
    handler: 'functions/scheduling/optimise-day.ts',
    cpuBound: true,
    needs: ['read', 'write', 'workflow'],
  },

  { method: 'GET', path: '/v1/me/jobs', handler: 'functions/field/my-jobs.ts', needs: ['read'] },
  { method: 'GET', path: '/v1/me/parts', handler: 'functions/field/search-parts.ts', needs: ['read'] },
  { method: 'GET', path: '/v1/me/parts/{sku}/stock', handler: 'functions/field/part-stock.ts', needs: ['read'] },
  { method: 'GET', path: '/v1/work-orders/{id}/job-pack', handler: 'functions/field/job-pack.ts', needs: ['read'] },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/acknowledge',
    handler: 'functions/field/acknowledge.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/status',
    handler: 'functions/field/report-status.ts',
    needs: ['write'],
  },
  ...(['time-logs', 'materials', 'parts-requests', 'notes', 'checklist'] as const).map(
    (record): Route => ({
      method: 'POST',
      path: `/v1/work-orders/{id}/${record}`,
      handler: 'functions/field/record-on-site.ts',
      needs: ['write'],
    }),
  ),
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/complete',
    handler: 'functions/field/complete.ts',
    needs: ['write', 'workflow'],
  },
  {
    method: 'POST',
    path: '/v1/work-orders/{id}/attachments',
    handler: 'functions/attachments/request-upload.ts',
    needs: ['write', { prefix: uploadPrefix, actions: ['s3:PutObject'] }],
  },
  {
    method: 'GET',
    path: '/v1/work-orders/{id}/attachments/{attachmentId}',
    handler: 'functions/attachments/get-download.ts',
    needs: ['read', { prefix: uploadPrefix, actions: ['s3:GetObject', 's3:GetObjectVersion'] }],
  },
  {
    method: 'GET',
    path: '/v1/work-orders/{id}/email-attachments/{index}',
    handler: 'functions/intake/get-email-attachment.ts',
    needs: ['read', { prefix: mailAttachmentPrefix, actions: ['s3:GetObject'] }],
  },

  { method: 'POST', path: '/v1/quotes', handler: 'functions/quotes/create-quote.ts', needs: ['write'] },
  { method: 'GET', path: '/v1/quotes/{id}', handler: 'functions/quotes/get-quote.ts', needs: ['read'] },
  {
    method: 'POST',
    path: '/v1/quotes/{id}/accept',
    handler: 'functions/quotes/accept-quote.ts',
    needs: ['write', 'workflow'],
  },

  { method: 'GET', path: '/v1/events', handler: 'functions/events/list-events.ts', needs: ['read'] },

  { method: 'GET', path: '/v1/invoices', handler: 'functions/closeout/list-invoices.ts', needs: ['read', 'cursorKey'] },
  { method: 'GET', path: '/v1/invoices/{id}', handler: 'functions/closeout/get-invoice.ts', needs: ['read'] },
  {
    method: 'GET',
    path: '/v1/invoices/{id}/pdf',
    handler: 'functions/documents/invoice-pdf.ts',
    // The PDF is made here if the notifier has not made it yet.
    needs: ['read', 'write', { prefix: documentPrefix, actions: ['s3:GetObject', 's3:PutObject'] }],
  },
  // Payments and credit notes write with an Idempotency-Key (whose record is a write of its own).
  {
    method: 'POST',
    path: '/v1/invoices/{id}/payments',
    handler: 'functions/accounting/record-payment.ts',
    needs: ['write'],
  },
  {
    method: 'GET',
    path: '/v1/invoices/{id}/payments',
    handler: 'functions/accounting/list-payments.ts',
    needs: ['read'],
  },
  {
    method: 'POST',
    path: '/v1/invoices/{id}/credit-notes',
    handler: 'functions/accounting/issue-credit-note.ts',
    needs: ['write'],
  },
  {
    method: 'GET',
    path: '/v1/invoices/{id}/credit-notes',
    handler: 'functions/accounting/list-credit-notes.ts',
    needs: ['read'],
  },
  { method: 'GET', path: '/v1/exports/invoices', handler: 'functions/accounting/export-invoices.ts', needs: ['read'] },
  {
    method: 'GET',
    path: '/v1/work-orders/{id}/documents',
    handler: 'functions/documents/list-documents.ts',
    needs: ['read', 'cursorKey', { prefix: documentPrefix, actions: ['s3:GetObject'] }],
  },
  {
    method: 'GET',
    path: '/v1/documents',
    handler: 'functions/documents/list-documents.ts',
    needs: ['read', 'cursorKey', { prefix: documentPrefix, actions: ['s3:GetObject'] }],
  },
  {
    method: 'GET',
    path: '/v1/work-orders/{id}/messages',
    handler: 'functions/notify/list-messages.ts',
    needs: ['read'],
  },
  { method: 'GET', path: '/v1/business', handler: 'functions/reference/get-business.ts', needs: ['read'] },
  {
    method: 'PATCH',
    path: '/v1/business',
    handler: 'functions/reference/update-business.ts',
    needs: ['read', 'write'],
  },

  { method: 'GET', path: '/v1/reports/kpis', handler: 'functions/reports/kpis.ts', needs: ['read'] },

  // Outgoing webhooks (Standard Webhooks): the subscriptions, and each one's delivery log and replays. The deliveries
  // themselves are sent by functions/webhooks/deliver.ts and retry.ts, fed by the change feed, not by a route.
  { method: 'POST', path: '/v1/webhooks', handler: 'functions/webhooks/create.ts', needs: ['write'] },
  { method: 'GET', path: '/v1/webhooks', handler: 'functions/webhooks/list.ts', needs: ['read'] },
  { method: 'GET', path: '/v1/webhooks/{id}', handler: 'functions/webhooks/get.ts', needs: ['read'] },
  { method: 'PATCH', path: '/v1/webhooks/{id}', handler: 'functions/webhooks/update.ts', needs: ['write'] },
  { method: 'DELETE', path: '/v1/webhooks/{id}', handler: 'functions/webhooks/delete.ts', needs: ['write'] },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/rotate-secret',
    handler: 'functions/webhooks/rotate-secret.ts',
    needs: ['write'],
  },
  {
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    handler: 'functions/webhooks/list-deliveries.ts',
    needs: ['read', 'cursorKey'],
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/replay',
    handler: 'functions/webhooks/replay-delivery.ts',
    needs: ['write'],
  },
  { method: 'POST', path: '/v1/webhooks/{id}/replay', handler: 'functions/webhooks/replay-range.ts', needs: ['write'] },

  ...(['customers', 'sites', 'assets', 'engineers', 'parts', 'job-templates', 'depots', 'suppliers'] as const).flatMap(
    (resource): Route[] => [
      { method: 'GET', path: `/v1/${resource}`, handler: 'functions/reference/list.ts', needs: ['read', 'cursorKey'] },
      { method: 'GET', path: `/v1/${resource}/{id}`, handler: 'functions/reference/get.ts', needs: ['read'] },
      { method: 'POST', path: `/v1/${resource}`, handler: 'functions/reference/create.ts', needs: ['write'] },
      { method: 'PATCH', path: `/v1/${resource}/{id}`, handler: 'functions/reference/update.ts', needs: ['write'] },
    ],
  ),
  { method: 'POST', path: '/v1/parts/{id}/holdings', handler: 'functions/reference/set-holding.ts', needs: ['write'] },

  { method: 'GET', path: '/v1/rota', handler: 'functions/rota/list.ts', needs: ['read'] },
  { method: 'POST', path: '/v1/rota', handler: 'functions/rota/create.ts', needs: ['write'] },
  { method: 'DELETE', path: '/v1/rota/{id}', handler: 'functions/rota/delete.ts', needs: ['write'] },

  { method: 'GET', path: '/v1/purchase-orders', handler: 'functions/purchasing/list.ts', needs: ['read', 'cursorKey'] },
  { method: 'GET', path: '/v1/purchase-orders/{id}', handler: 'functions/purchasing/get.ts', needs: ['read'] },
  { method: 'POST', path: '/v1/purchase-orders', handler: 'functions/purchasing/create.ts', needs: ['write'] },
  {
    method: 'POST',
    path: '/v1/purchase-orders/{id}/receive',
    handler: 'functions/purchasing/receive.ts',
    needs: ['write'],
  },
  {
    method: 'POST',
    path: '/v1/purchase-orders/{id}/cancel',
    handler: 'functions/purchasing/cancel.ts',
    needs: ['write'],
  },
];

/**
 * The Lambda tasks of the work order state machine. The key is the name substituted into
 * `statemachines/work-order.asl.json` as `${<Key>FunctionArn}`; the value is the handler file.
 */
export const workflowTasks = {
  LoadWorkOrder: 'functions/workflow/load-work-order.ts',
  Transition: 'functions/workflow/transition.ts',
  AwaitCallback: 'functions/workflow/await-callback.ts',
  FlagForAttention: 'functions/workflow/flag-for-attention.ts',
  MatchEngineer: 'functions/scheduling/match-engineer.ts',
  Dispatch: 'functions/dispatch/dispatch.ts',
  Closeout: 'functions/closeout/close-out.ts',
} as const;

export type WorkflowTask = keyof typeof workflowTasks;
