import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import * as z from 'zod';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  putSubscription,
  type WebhookSubscriptionRecord,
} from '../db/webhooks.ts';
import { NotFound, StoreConflict, VersionMismatch } from '../errors.ts';
import { Instant, view } from '../http/views.ts';
import { maxUrlLength, vetUrl } from './guard.ts';

/** How long the secret a rotation replaced still signs (both signatures are sent meanwhile). */
export const rotationOverlapMs = 24 * 3_600_000;

/** An event type as the feed names it (`workorder.status_changed`, `invoice.issued`). */
const EventType = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'An event type, such as workorder.status_changed.');
const EventTypes = z
  .array(EventType)
  .min(1)
  .max(50)
  .meta({ description: 'The event types sent; omitted, every type.' });
const Url = z.string().min(1).max(maxUrlLength).meta({ description: 'https:// (checked: public addresses only).' });

export const CreateWebhook = z.strictObject({
  url: Url,
  eventTypes: EventTypes.optional(),
  description: z.string().trim().min(1).max(500).optional(),
});
export type CreateWebhook = z.infer<typeof CreateWebhook>;

/** What the office may change; `eventTypes: null` sends every type again, `description: null` clears it. */
export const UpdateWebhook = z.strictObject({
  url: Url.optional(),
  eventTypes: EventTypes.nullable().optional(),
  enabled: z.boolean().optional(),
  description: z.string().trim().min(1).max(500).nullable().optional(),
});
export type UpdateWebhook = z.infer<typeof UpdateWebhook>;

/** A subscription as every read shows it: never its secret. */
export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()).optional(),
    description: z.string().optional(),
    enabled: z.boolean(),
    version: z.number().int(),
    failingSince: Instant.optional(),
    disabledAt: Instant.optional(),
    disabledReason: z.string().optional(),
    /** Until when the secret a rotation replaced still signs too. */
    previousSecretUntil: Instant.optional(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ title: 'Webhook' });

/** The subscription with its signing secret: answered once, when it is made or its secret rotated. */
export const WebhookWithSecret = Webhook.extend({
  secret: z.string().meta({ description: 'whsec_ and base64: the Standard Webhooks signing secret. Shown only now.' }),
}).meta({ title: 'WebhookWithSecret' });

export const WebhookList = z.object({ items: z.array(Webhook) }).meta({ title: 'WebhookList' });

const asWebhook = view(Webhook);
const asWebhookWithSecret = view(WebhookWithSecret);

export function webhookView({ webhookId, ...record }: WebhookSubscriptionRecord) {
  return asWebhook({ id: webhookId, ...withoutSecrets(record) });
}

export function webhookWithSecretView({ webhookId, ...record }: WebhookSubscriptionRecord) {
  return asWebhookWithSecret({ id: webhookId, ...withoutSecrets(record), secret: record.secret });
}

function withoutSecrets(record: Omit<WebhookSubscriptionRecord, 'webhookId'>) {
  const { secret: _, previousSecret: __, ...rest } = record;
  return rest;
}

/** A new signing secret: 32 random bytes, base64, `whsec_` in front (the specification asks 24 to 64 bytes). */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Subscribes a URL (vetted by the SSRF guard first): enabled at once, with a new secret. */
export async function create(input: CreateWebhook, now = new Date()): Promise<WebhookSubscriptionRecord> {
  await vetUrl(input.url);
  const at = now.toISOString();
  const record: WebhookSubscriptionRecord = {
    webhookId: `wh_${ulid()}`,
    version: 1,
    url: input.url,
    ...(input.eventTypes ? { eventTypes: [...new Set(input.eventTypes)] } : {}),
    ...(input.description ? { description: input.description } : {}),
    enabled: true,
    secret: newSecret(),
    createdAt: at,
    updatedAt: at,
  };
  await createSubscription(record);
  return record;
}

export async function get(webhookId: string): Promise<WebhookSubscriptionRecord> {
  const record = await getSubscription(webhookId);
  if (!record) throw new NotFound('webhook', webhookId);
  return record;
}

export const list = listSubscriptions;

/**
 * Changes a subscription from the version read (`If-Match`; undefined: `*`): a new URL is vetted, and enabling it
 * again forgets its failures (and why it was disabled).
 */
export async function update(
  webhookId: string,
  change: UpdateWebhook,
  expectedVersion: number | undefined,
  now = new Date(),
): Promise<WebhookSubscriptionRecord> {
  const current = await get(webhookId);
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw new VersionMismatch(current.version, { code: 'webhook', noun: 'webhook' });
  }
  if (change.url !== undefined) await vetUrl(change.url);
  const next: WebhookSubscriptionRecord = { ...current, version: current.version + 1, updatedAt: now.toISOString() };
  if (change.url !== undefined) next.url = change.url;
  if (change.eventTypes === null) delete next.eventTypes;
  else if (change.eventTypes) next.eventTypes = [...new Set(change.eventTypes)];
  if (change.description === null) delete next.description;
  else if (change.description !== undefined) next.description = change.description;
  if (change.enabled !== undefined) {
    if (change.enabled && !current.enabled) {
      delete next.failingSince;
      delete next.disabledAt;
      delete next.disabledReason;
    }
    next.enabled = change.enabled;
  }
  if (!(await putSubscription(next, current.version))) {
    throw new VersionMismatch((await get(webhookId)).version, { code: 'webhook', noun: 'webhook' });
  }
  return next;
}

/** Deletes a subscription: nothing more is sent to it (its deliveries' log stays until the table's own cleanup). */
export async function remove(webhookId: string): Promise<void> {
  if (!(await deleteSubscription(webhookId))) throw new NotFound('webhook', webhookId);
}

/**
 * Gives a subscription a new secret; the one it replaces still signs for {@link rotationOverlapMs}, so the receiver
 * can change over without a delivery failing. A rotation during an overlap ends the older one.
 */
export async function rotateSecret(webhookId: string, now = new Date()): Promise<WebhookSubscriptionRecord> {
  for (let attempt = 0; ; attempt++) {
    const current = await get(webhookId);
    const next: WebhookSubscriptionRecord = {
      ...current,
      version: current.version + 1,
      secret: newSecret(),
      previousSecret: current.secret,
      previousSecretUntil: new Date(now.getTime() + rotationOverlapMs).toISOString(),
      updatedAt: now.toISOString(),
    };
    if (await putSubscription(next, current.version)) return next;
    if (attempt >= 4) throw new StoreConflict();
  }
}

/** The secrets a delivery is signed with now: the current one, and the one rotated out while its overlap lasts. */
export function signingSecrets(record: WebhookSubscriptionRecord, now = new Date()): string[] {
  const overlapping =
    record.previousSecret && record.previousSecretUntil && record.previousSecretUntil > now.toISOString();
  return overlapping ? [record.secret, record.previousSecret as string] : [record.secret];
}

/** Whether a subscription takes events of a type. */
export function wants(record: WebhookSubscriptionRecord, type: string): boolean {
  return record.enabled && (!record.eventTypes || record.eventTypes.includes(type));
}
