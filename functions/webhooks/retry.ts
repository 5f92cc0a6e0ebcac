import { observed } from '#shared/observability.ts';
import { retryDue } from '#shared/webhooks/deliveries.ts';

/**
 * Makes the webhook attempts that are due (retries by the schedule, replays, and first attempts a crash left owed):
 * run on a schedule, it reads them from the due-retries index, so the state survives any restart.
 */
export const handler = observed(
  'webhooks-retry',
  async (): Promise<{ attempted: number }> => ({
    attempted: await retryDue(),
  }),
);
