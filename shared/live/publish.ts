import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import * as z from 'zod';
import { DomainError } from '../errors.ts';
import { eventView, type FeedEvent } from '../feed-event.ts';
import { liveChannel } from './channel.ts';

/**
 * A feed event as the domain events pipe puts it on the bus (infra/events.ts): the stream's new image, its `data`
 * still in DynamoDB's typed form.
 */
export const FeedEventDetail = z.object({
  eventId: z.string(),
  at: z.string(),
  type: z.string(),
  workOrderId: z.string().nullish(),
  data: z.record(z.string(), z.custom<AttributeValue>()).nullish(),
});
export type FeedEventDetail = z.infer<typeof FeedEventDetail>;

/** The item `GET /v1/events` lists, made from the event the bus carries. */
export function feedEventOf(detail: FeedEventDetail): z.output<typeof FeedEvent> {
  const { eventId, at, type, workOrderId, data } = FeedEventDetail.parse(detail);
  return eventView({
    eventId,
    at,
    type,
    ...(workOrderId ? { workOrderId } : {}),
    ...(data ? { data: unmarshall(data) } : {}),
  });
}

type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** Where and as whom the publisher posts: the Event API's HTTP endpoint, signed for its region. */
export interface LiveEndpoint {
  /** `https://<the API's HTTP domain>/event`. */
  readonly url: URL;
  readonly region: string;
  /** @default Lambda's own, from the environment */
  readonly credentials?: Credentials;
}

/** The Event API did not take an event: thrown, so Lambda retries the invocation and then keeps it as a dead letter. */
export class LivePublishFailed extends DomainError {
  constructor(detail: string) {
    super('live.publish_failed', 502, detail);
  }
}

/**
 * Publishes one feed event to the office's channel: an HTTP POST of `{ channel, events }` to the Event API, signed
 * with SigV4 for `appsync` by the publisher's role, which may publish to that namespace and nothing else. AppSync
 * hands it to every subscriber. Succeeds only when AppSync says it took the event.
 */
export async function publishToOffice(event: z.output<typeof FeedEvent>, endpoint: LiveEndpoint): Promise<void> {
  const body = JSON.stringify({ channel: liveChannel, events: [JSON.stringify(event)] });
  const signer = new SignatureV4({
    service: 'appsync',
    region: endpoint.region,
    credentials: endpoint.credentials ?? fromEnv(),
    sha256: Sha256,
  });
  const { url } = endpoint;
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  });
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  if (!response.ok) throw new LivePublishFailed(`The Event API answered ${response.status}: ${text.slice(0, 500)}`);
  const answer = PublishAnswer.safeParse(safeJson(text));
  if (!answer.success || answer.data.failed.length > 0 || answer.data.successful.length !== 1) {
    throw new LivePublishFailed(`The Event API did not take the event: ${text.slice(0, 500)}`);
  }
}

/** What the Event API answers a publish: each event taken or refused, by its index in the batch. */
const PublishAnswer = z.object({
  successful: z.array(z.unknown()).default([]),
  failed: z.array(z.unknown()).default([]),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
