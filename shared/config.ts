import * as z from 'zod';

/**
 * The environment every handler reads, parsed once at import. The CDK stack sets these through
 * `Fn.bindTable/bindBucket/bindWorkflow` (infra/lambda.ts) and the local runtime sets the same names.
 * Each getter parses lazily so a handler that needs no bucket does not fail for want of one.
 */
const Env = z.object({
  TABLE_NAME: z.string().min(1),
  BUCKET_NAME: z.string().min(1),
  STATE_MACHINE_ARN: z.string().min(1),
  /** Local mode signs tokens with a local key; the deployed API verifies tokens in API Gateway's JWT authorizer. */
  LOCAL_JWT_SECRET: z.string().min(16).optional(),
  /** The Secrets Manager secret list cursors are sealed with (shared/http/cursor.ts), on functions that list. */
  CURSOR_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** The user pool whose ID tokens the live channel's authorizer accepts (infra/live.ts). */
  USER_POOL_ID: z.string().min(1).optional(),
  /** The app clients of that pool whose ID tokens it accepts, comma-separated: those the HTTP API accepts. */
  USER_POOL_CLIENT_IDS: z.string().min(1).optional(),
  /** The live channel's HTTP domain (its AppSync Event API's), where the publisher posts each feed event. */
  LIVE_EVENTS_DOMAIN: z.string().min(1).optional(),
  /** The region Lambda runs in (Lambda sets it): the publisher signs its posts for it. */
  AWS_REGION: z.string().min(1).optional(),
  /** Customer messages: the From header (`Name <address>`) of the SES identity; absent, no e-mail is sent. */
  NOTIFY_EMAIL_FROM: z.string().min(3).optional(),
  /** The SES configuration set messages go out through (bounces and complaints come back from it). */
  NOTIFY_SES_CONFIGURATION_SET: z.string().min(1).optional(),
  /** Where office notifications go when the business has not set an address of its own. */
  NOTIFY_OFFICE_EMAIL: z.email().optional(),
  /** The SMS origination identity (a sender ID's ARN); absent, no SMS is sent. */
  NOTIFY_SMS_ORIGINATION: z.string().min(1).optional(),
  NOTIFY_SMS_CONFIGURATION_SET: z.string().min(1).optional(),
  /** Locally: an SMTP server (`smtp://host:port`) every e-mail is relayed to, besides the local outbox. */
  NOTIFY_SMTP_RELAY: z.url().optional(),
  /** The customer web form's address, for links in messages. */
  PORTAL_URL: z.url().optional(),
  /** The queue that wakes the webhook retry function when a failed delivery falls due again (deployed only). */
  WEBHOOK_RETRY_QUEUE_URL: z.url().optional(),
  /** Present only in local mode: enables the /local routes. */
  FIELDOPS_LOCAL: z.enum(['1']).optional(),
  /**
   * Where the planners' travel times come from (shared/scheduling/route-matrix.ts): `estimate` (the default) or
   * `amazon-location`, which the stack sets when deployed with `-c travel=amazon-location`.
   */
  FIELDOPS_TRAVEL: z.enum(['estimate', 'amazon-location']).optional(),
});
type Env = z.infer<typeof Env>;

function read<K extends keyof Env>(key: K): NonNullable<Env[K]> {
  const parsed = Env.shape[key].safeParse(process.env[key]);
  if (!parsed.success || parsed.data === undefined) {
    throw new Error(`Configuration: environment variable ${key} is missing or invalid`);
  }
  return parsed.data as NonNullable<Env[K]>;
}

export const config = {
  get tableName() {
    return read('TABLE_NAME');
  },
  get bucketName() {
    return read('BUCKET_NAME');
  },
  get stateMachineArn() {
    return read('STATE_MACHINE_ARN');
  },
  get localJwtSecret() {
    return read('LOCAL_JWT_SECRET');
  },
  get cursorKeySecretArn() {
    return read('CURSOR_KEY_SECRET_ARN');
  },
  get userPoolId() {
    return read('USER_POOL_ID');
  },
  get userPoolClientIds() {
    return read('USER_POOL_CLIENT_IDS').split(',');
  },
  get liveEventsDomain() {
    return read('LIVE_EVENTS_DOMAIN');
  },
  get region() {
    return read('AWS_REGION');
  },
  get webhookRetryQueueUrl() {
    const parsed = Env.shape.WEBHOOK_RETRY_QUEUE_URL.safeParse(process.env.WEBHOOK_RETRY_QUEUE_URL);
    return parsed.success ? parsed.data : undefined;
  },
  /** The optional settings of notifications: each undefined when not set. */
  get notify() {
    const optional = <K extends keyof Env>(key: K) => {
      const parsed = Env.shape[key].safeParse(process.env[key]);
      return parsed.success ? (parsed.data as Env[K]) : undefined;
    };
    return {
      emailFrom: optional('NOTIFY_EMAIL_FROM'),
      sesConfigurationSet: optional('NOTIFY_SES_CONFIGURATION_SET'),
      officeEmail: optional('NOTIFY_OFFICE_EMAIL'),
      smsOrigination: optional('NOTIFY_SMS_ORIGINATION'),
      smsConfigurationSet: optional('NOTIFY_SMS_CONFIGURATION_SET'),
      smtpRelay: optional('NOTIFY_SMTP_RELAY'),
      portalUrl: optional('PORTAL_URL'),
    };
  },
  /** `estimate` unless FIELDOPS_TRAVEL says otherwise; a value it cannot be fails loudly rather than estimating. */
  get travelSource() {
    return process.env.FIELDOPS_TRAVEL === undefined ? 'estimate' : read('FIELDOPS_TRAVEL');
  },
  get isLocal() {
    return process.env.FIELDOPS_LOCAL === '1';
  },
};
