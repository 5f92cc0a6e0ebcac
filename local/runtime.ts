import './polyfills.ts';
import './lambda-environment.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { routes, type WorkflowTask, workflowTasks } from '#infra/routes.ts';
import { uploadPrefix } from '#shared/attachments/rules.ts';
import { s3 as s3Client } from '#shared/attachments/storage.ts';
import { getCustomer } from '#shared/db/reference.ts';
import { listBoard } from '#shared/db/work-orders.ts';
import { localReceiver } from '#shared/intake/email/receive.ts';
import { inboundMailPrefix, mailLimits } from '#shared/intake/email/rules.ts';
import { useTransport } from '#shared/notify/transport.ts';
import { reconcile } from '#shared/work-order/reconcile.ts';
import { startWorkOrder } from '#shared/workflow.ts';
import { createTableIfMissing, startLocalDynamo } from './dynamodb.ts';
import { eventStreamRoute } from './event-stream.ts';
import { type RequestLimits, startLocalApi } from './http-server.ts';
import { importHandler, invokeHandler } from './lambda-handlers.ts';
import { followFeed, localTransport } from './notifications.ts';
import { pageRoutes } from './portal.ts';
import { type ObjectCreated, startLocalS3 } from './s3.ts';
import { seedDemoBusiness, seedWhatIsMissing } from './seed.ts';
import { startLocalSmtp } from './smtp.ts';
import { type RetryIntervalOverrides, startLocalStepFunctions, substituteDefinition } from './stepfunctions.ts';
import { followWebhooks } from './webhooks.ts';

const region = 'eu-west-2';
const tableName = 'fieldops';
const bucketName = 'fieldops-attachments';
const repoRoot = new URL('../', import.meta.url);

export interface RuntimeOptions {
  /** HTTP port of the API; 0 picks a free one. */
  port: number;
  /** Where the stores persist; omitted, everything lives in a temporary folder removed on close. */
  dataDir?: string;
  retryIntervalOverrides?: RetryIntervalOverrides;
  /**
   * Ports of the embedded services; 0 or absent picks free ones. The handlers' SDK clients are built once per
   * process, and the S3 client reaches s3rver on its port, so a runtime restarted inside the same process (a test)
   * must reuse the ports it had.
   */
  servicePorts?: ServicePorts;
  /** Run the planned maintenance run at start and daily, as the deployed schedule does. */
  plannedMaintenance?: boolean;
  /** Port of the local SMTP server (e-mail intake); 0 picks a free one, absent runs none. */
  smtpPort?: number;
  /** Run the reconciler every this many seconds, as the deployed schedule does every minute; absent, only at start. */
  reconcileEverySeconds?: number;
  /** Requests the API runs at once and queues before it answers 429; the local server's defaults when absent. */
  requestLimits?: RequestLimits;
  /**
   * Tell customers and the office what happens, as the deployed notifications queue does: messages go to the local
   * outbox (`GET /local/outbox`), and e-mail also to `smtpRelay` when given. Off unless asked (`npm start` asks).
   */
  notifications?: boolean | { smtpRelay?: string };
  /**
   * Send the business's events to its webhook subscriptions, as the deployed queues would (local/webhooks.ts): the
   * feed followed, and the due retries made every `retryEveryMs` (1 s by default). Off unless asked (`npm start` asks).
   */
  webhooks?: boolean | { retryEveryMs?: number };
}

export interface ServicePorts {
  dynamodb: number;
  s3: number;
  stepFunctions: number;
}

export interface Runtime {
  url: string;
  port: number;
  servicePorts: ServicePorts;
  seeded: boolean;
  redriven: number;
  /** The local SMTP server's port, when one runs. */
  smtpPort?: number;
  /** Resolves once the notifications have handled the feed read so far (at once when they are off). */
  notified(): Promise<void>;
  /** Resolves once every bucket trigger started so far (and any started meanwhile) has finished. */
  settled(): Promise<void>;
  /** Makes the embedded DynamoDB refuse a share of its calls as a throttled table does (see LocalDynamo.refuse). */
  throttle(share: number): void;
  /** How many executions the local Step Functions holds in memory (the running ones); for tests and benchmarks. */
  executionsInMemory(): number;
  close(): Promise<void>;
}

/**
 * The embedded default: DynamoDB (dynalite), S3 (s3rver) and Step Functions (aws-local-stepfunctions running
 * the very ASL the stack deploys) in this process, the handlers behind a local API Gateway, and the demo business
 * seeded on first start. The handlers read the same environment variables as in Lambda. Their DynamoDB and Step
 * Functions clients call the store and the runner in this process, with the wire format of the services and without
 * a socket (local/in-process.ts); the S3 client, and any client in another thread or process, reaches the local
 * services through the standard `AWS_ENDPOINT_URL_*` variables.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'fieldops-')));
  mkdirSync(join(dataDir, 's3'), { recursive: true });
  const dynamo = await startLocalDynamo({ path: join(dataDir, 'dynamodb'), port: options.servicePorts?.dynamodb });
  const triggered = new Set<Promise<unknown>>();
  const settled = async () => {
    while (triggered.size > 0) await Promise.allSettled([...triggered]);
  };
  const s3 = await startLocalS3({
    directory: join(dataDir, 's3'),
    buckets: [bucketName],
    port: options.servicePorts?.s3,
    // The local stand-in for the bucket notifications; s3.ts logs a failed handler.
    onObjectCreated: async (created) => {
      const handlerFile = bucketTriggers.find(({ prefix }) => created.key.startsWith(prefix))?.handlerFile;
      if (!handlerFile) return;
      const run = invokeTrigger(handlerFile, created);
      triggered.add(run);
      try {
        await run;
      } finally {
        triggered.delete(run);
      }
    },
  });
  const lambdaArn = (task: string) => `arn:aws:lambda:${region}:000000000000:function:fieldops-${task}`;
  const definition = substituteDefinition(
    readFileSync(new URL('statemachines/work-order.asl.json', repoRoot), 'utf8'),
    Object.fromEntries(Object.keys(workflowTasks).map((task) => [`${task}FunctionArn`, lambdaArn(task)])),
  );
  const lambdas = Object.fromEntries(
    (Object.entries(workflowTasks) as Array<[WorkflowTask, string]>).map(([task, file]) => [
      lambdaArn(task),
      (payload: unknown) => invoke(file, payload),
    ]),
  );
  const sfn = await startLocalStepFunctions({
    port: options.servicePorts?.stepFunctions,
    region,
    machines: [{ name: 'WorkOrder', definition, lambdas }],
    directory: join(dataDir, 'stepfunctions'),
    retryIntervalOverrides: options.retryIntervalOverrides,
  });

  Object.assign(process.env, {
    AWS_REGION: region,
    // s3rver's one built-in key pair (it refuses any other); dynalite and the local Step Functions take any.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_ENDPOINT_URL_SFN: sfn.url,
    TABLE_NAME: tableName,
    BUCKET_NAME: bucketName,
    STATE_MACHINE_ARN: sfn.stateMachineArn('WorkOrder'),
    LOCAL_JWT_SECRET: jwtSecret(dataDir),
    FIELDOPS_LOCAL: '1',
  });

  await createTableIfMissing(new DynamoDBClient({ endpoint: dynamo.url, region }), tableName);
  const seeded = !(await getCustomer('cus_northwest_homes'));
  if (seeded) await seedDemoBusiness();
  else await seedWhatIsMissing();
  // The executions this data's last process stopped mid-run go on, their history kept; then any open work order
  // still without a running execution (data from before executions were journalled) is started again.
  sfn.resumeInterrupted();
  const redriven = await redriveOpenWorkOrders();
  // What a process that died left owed (task tokens to answer, executions to start) is done at once.
  await reconcile({ graceSeconds: 0 });
  const reconciling = options.reconcileEverySeconds
    ? setInterval(
        () => void invoke(reconcilerFile, {}).catch((error) => console.error('[reconciler]', error)),
        options.reconcileEverySeconds * 1000,
      ).unref()
    : undefined;
  // The local stand-in for the daily schedule: once at start, then every day while it runs (`npm start` only:
  // tests run it when they mean to).
  if (options.plannedMaintenance) await invoke(plannedMaintenanceFile, {});
  const daily = options.plannedMaintenance
    ? setInterval(() => void invoke(plannedMaintenanceFile, {}).catch(console.error), 86_400_000).unref()
    : undefined;

  const smtp =
    options.smtpPort === undefined
      ? undefined
      : await startLocalSmtp({
          port: options.smtpPort,
          receiver: localReceiver,
          maxMessageBytes: mailLimits.maxMessageBytes,
          store: async (key, raw) => {
            await s3Client().send(
              new PutObjectCommand({ Bucket: bucketName, Key: `${inboundMailPrefix}${key}`, Body: raw }),
            );
          },
        });
  const api = await startLocalApi({
    port: options.port,
    routes,
    jwtSecret: jwtSecret(dataDir),
    extraRoutes: [eventStreamRoute(jwtSecret(dataDir)), ...pageRoutes({ uploadOrigin: s3.url })],
    limits: options.requestLimits,
  });
  // Links in messages lead to the web form this server serves.
  process.env.PORTAL_URL = `${api.url}/portal/`;
  const notifications = options.notifications ? startNotifications(dataDir, seeded, options.notifications) : undefined;
  const webhooks = options.webhooks
    ? followWebhooks({
        cursorFile: join(dataDir, 'webhooks-cursor'),
        deliver: (event) => invoke(webhooksDeliverFile, event) as Promise<SQSBatchResponse>,
        retry: () => invoke(webhooksRetryFile, {}),
        retryEveryMs: options.webhooks === true ? undefined : options.webhooks.retryEveryMs,
      })
    : undefined;
  return {
    url: api.url,
    port: api.port,
    servicePorts: { dynamodb: dynamo.port, s3: s3.port, stepFunctions: sfn.port },
    seeded,
    redriven,
    smtpPort: smtp?.port,
    settled,
    notified: async () => {
      await notifications?.idle();
    },
    throttle: (share) => dynamo.refuse(share),
    executionsInMemory: () => sfn.executionsInMemory(),
    async close() {
      clearInterval(daily);
      clearInterval(reconciling);
      await notifications?.close();
      await webhooks?.close();
      await smtp?.close();
      // A verification still running would otherwise find its stores gone.
      await settled();
      await api.close();
      await sfn.close();
      await s3.close();
      await dynamo.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The notifications queue's stand-in (local/notifications.ts), and where its messages go: the local outbox, and an
 * SMTP relay when one is given (option or `NOTIFY_SMTP_RELAY`).
 */
function startNotifications(dataDir: string, seeded: boolean, settings: true | { smtpRelay?: string }) {
  const relay = (settings === true ? undefined : settings.smtpRelay) ?? process.env.NOTIFY_SMTP_RELAY;
  useTransport(localTransport(relay, process.env.NOTIFY_EMAIL_FROM ?? 'FieldOps <notifications@fieldops.localhost>'));
  return followFeed({
    cursorFile: join(dataDir, 'notifications-cursor'),
    fromStart: seeded,
    invoke: (event) => invoke(notifyFile, event) as Promise<SQSBatchResponse>,
  });
}

const notifyFile = 'functions/notify/notify.ts';
/** The webhooks' queue-fed sender and its schedule of due retries (local/webhooks.ts stands in for both). */
const webhooksDeliverFile = 'functions/webhooks/deliver.ts';
const webhooksRetryFile = 'functions/webhooks/retry.ts';

/** The scheduled functions, as the stack schedules them (infra/reconciler.ts, infra/planned-maintenance.ts). */
const reconcilerFile = 'functions/workflow/reconcile.ts';
const plannedMaintenanceFile = 'functions/intake/planned-maintenance.ts';

/** Invokes a handler file's function with an event, as its trigger in the stack would. */
async function invoke(handlerFile: string, event: unknown): Promise<unknown> {
  const handler = (await importHandler(handlerFile)) as unknown as (
    event: unknown,
    context: Context,
  ) => Promise<unknown>;
  return invokeHandler(handlerFile, (context) => handler(event, context));
}

/** The bucket's object-created notifications, as the stack configures them. */
const bucketTriggers = [
  { prefix: uploadPrefix, handlerFile: 'functions/attachments/verify-upload.ts' },
  { prefix: inboundMailPrefix, handlerFile: 'functions/intake/receive-email.ts' },
];

/**
 * The deployed trigger's handler file, called with the event S3 would send: one record, the key form-URL-encoded
 * (a space as `+`, `/` kept), so its decoding is exercised locally too.
 */
async function invokeTrigger(handlerFile: string, created: ObjectCreated): Promise<unknown> {
  const key = encodeURIComponent(created.key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return invoke(handlerFile, {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Post',
        awsRegion: region,
        eventTime: new Date().toISOString(),
        s3: { bucket: { name: created.bucket }, object: { key, size: created.size } },
      },
    ],
  });
}

/**
 * Starts every open work order's current run, carrying on where it was: one the local Step Functions resumed already
 * (its journal kept it) answers as running, and one without an execution is started, loads the work order and routes
 * by its status. (A run that had finished is kept on disk and is not started again: the reconciler re-drives it if it
 * failed.) Planned services not yet due stay parked.
 */
async function redriveOpenWorkOrders(): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await listBoard('open', { limit: 200, cursor });
    for (const record of page.items) {
      if (record.plannedFor && record.status === 'logged') continue;
      await startWorkOrder(record.workOrderId, record.run);
      count++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return count;
}

/** A signing key for local tokens, kept with the data so tokens survive a restart. */
function jwtSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
