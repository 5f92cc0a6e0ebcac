import { resolve } from 'node:path';

// `npm start` logs and measures as the deployed functions do (INFO, metrics on: JSON lines on standard output),
// unless the environment says otherwise; set before the handlers load, since Powertools reads it then.
process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'false';
const { startRuntime } = await import('./runtime.ts');

const port = Number(process.env.PORT ?? 3000);
const dataDir = resolve(process.env.FIELDOPS_DATA ?? '.data');
const started = Date.now();
const smtpPort = Number(process.env.SMTP_PORT ?? 2525);
const runtime = await startRuntime({
  port,
  dataDir,
  plannedMaintenance: true,
  smtpPort,
  reconcileEverySeconds: 20,
  notifications: true,
  webhooks: true,
});

console.log(`
  FieldOps is running on the embedded default (no AWS account needed).

  API          ${runtime.url}        data in ${dataDir}${runtime.seeded ? ' (demo business seeded)' : ''}
  Web form     ${runtime.url}/portal   (customers log and follow requests; sign in as a demo customer)
  Engineer app ${runtime.url}/app      (the day, job packs and updates, offline too; sign in as a demo engineer)
  Office       ${runtime.url}/office   (job list, dispatch board, approvals, work orders, e-mail; live; pick a role)
  E-mail       smtp://127.0.0.1:${runtime.smtpPort}     (any recipient; a message becomes a request)
  Messages     ${runtime.url}/local/outbox   (what customers and the office were sent; NOTIFY_SMTP_RELAY=smtp://... relays e-mail)
  Get a token  curl -s -X POST ${runtime.url}/local/token -H 'content-type: application/json' \\
                 -d '{"role":"dispatcher"}'
  Demo ids     curl -s ${runtime.url}/local/seed
  Resumed      ${runtime.redriven} open work order(s)            ready in ${((Date.now() - started) / 1000).toFixed(1)} s
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    runtime.close().finally(() => process.exit(0));
  });
}
