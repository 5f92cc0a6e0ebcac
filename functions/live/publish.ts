import type { EventBridgeEvent } from 'aws-lambda';
import { config } from '#shared/config.ts';
import { type FeedEventDetail, feedEventOf, publishToOffice } from '#shared/live/publish.ts';
import { concerning, observed } from '#shared/observability.ts';

/**
 * Pushes each new change-feed event to the office's live channel: an EventBridge rule on the deployment's bus hands
 * it every event the domain events pipe publishes (infra/live.ts), and it is published as `GET /v1/events` lists it.
 */
export const handler = observed('live-publish', async (event: EventBridgeEvent<string, FeedEventDetail>) => {
  const feedEvent = feedEventOf(event.detail);
  concerning(feedEvent.workOrderId);
  await publishToOffice(feedEvent, {
    url: new URL('/event', `https://${config.liveEventsDomain}`),
    region: config.region,
  });
});
