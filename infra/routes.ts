/**
 * Every HTTP route and the handler file that serves it: the routing table read by the CDK stack (one Lambda per
 * handler file, one HTTP API route per row) and by the local server (the same handler files, in process).
 * Plain data with no CDK import, so the local server loads it in milliseconds.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  /** API Gateway route path; `{name}` segments arrive as `event.pathParameters.name`. */
  path: string;
  /** Handler file relative to the repository root; it exports `handler`. */
  handler: string;
  /** `false` for the few routes that need no token. */
  auth?: boolean;
  /** Served only by the local server (`npm start`), never deployed. */
  localOnly?: boolean;
}

export const routes: Route[] = [
  { method: 'POST', path: '/local/token', handler: 'functions/local/issue-token.ts', auth: false, localOnly: true },
  { method: 'GET', path: '/local/seed', handler: 'functions/local/seed-ids.ts', auth: false, localOnly: true },

  { method: 'GET', path: '/v1/categories', handler: 'functions/reference/list-categories.ts' },
  { method: 'POST', path: '/v1/requests', handler: 'functions/intake/submit-request.ts' },
  { method: 'GET', path: '/v1/requests', handler: 'functions/intake/list-requests.ts' },
  { method: 'GET', path: '/v1/requests/{id}', handler: 'functions/intake/get-request.ts' },

  { method: 'POST', path: '/v1/work-orders', handler: 'functions/work-orders/create-work-order.ts' },
  { method: 'GET', path: '/v1/work-orders', handler: 'functions/work-orders/list-work-orders.ts' },
  { method: 'GET', path: '/v1/work-orders/{id}', handler: 'functions/work-orders/get-work-order.ts' },
  { method: 'PATCH', path: '/v1/work-orders/{id}', handler: 'functions/work-orders/update-work-order.ts' },
  { method: 'POST', path: '/v1/work-orders/{id}/release', handler: 'functions/work-orders/release.ts' },
  { method: 'POST', path: '/v1/work-orders/{id}/approve', handler: 'functions/work-orders/approve.ts' },
  { method: 'POST', path: '/v1/work-orders/{id}/reject', handler: 'functions/work-orders/reject.ts' },
  { method: 'POST', path: '/v1/work-orders/{id}/assign', handler: 'functions/scheduling/assign.ts' },
  { method: 'POST', path: '/v1/work-orders/{id}/cancel', handler: 'functions/work-orders/cancel.ts' },
  { method: 'GET', path: '/v1/work-orders/{id}/execution', handler: 'functions/work-orders/get-execution.ts' },

  { method: 'GET', path: '/v1/me/jobs', handler: 'functions/field/my-jobs.ts' },
  { method: 'POST', path: '/v1/work-orders/{id}/acknowledge', handler: 'functions/field/acknowledge.ts' },
  { method: 'POST', path: '/v1/work-orders/{id}/status', handler: 'functions/field/report-status.ts' },
  { method: 'POST', path: '/v1/work-orders/{id}/complete', handler: 'functions/field/complete.ts' },

  { method: 'GET', path: '/v1/invoices', handler: 'functions/closeout/list-invoices.ts' },
  { method: 'GET', path: '/v1/invoices/{id}', handler: 'functions/closeout/get-invoice.ts' },

  ...(['customers', 'sites', 'assets', 'engineers', 'parts', 'job-templates'] as const).flatMap((resource) => [
    { method: 'GET' as const, path: `/v1/${resource}`, handler: 'functions/reference/list.ts' },
    { method: 'GET' as const, path: `/v1/${resource}/{id}`, handler: 'functions/reference/get.ts' },
  ]),
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
  GenerateInvoice: 'functions/closeout/generate-invoice.ts',
  UpdateAssetHistory: 'functions/closeout/update-asset-history.ts',
  CreateNextService: 'functions/closeout/create-next-service.ts',
} as const;

export type WorkflowTask = keyof typeof workflowTasks;
