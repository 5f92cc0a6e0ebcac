import type { SNSEvent } from 'aws-lambda';
import { recordFeedback, SesFeedback } from '#shared/notify/feedback.ts';
import { observed } from '#shared/observability.ts';

/**
 * SES's bounces and complaints, from the configuration set's SNS topic (infra/notifications.ts): the addresses are
 * suppressed and their contacts flagged. A throw (a store fault) makes SNS retry the delivery; suppressing twice
 * keeps the first record.
 */
export const handler = observed('ses-feedback', async (event: SNSEvent) => {
  const suppressed: string[] = [];
  for (const record of event.Records) {
    const parsed = SesFeedback.safeParse(JSON.parse(record.Sns.Message));
    // Anything but SES feedback (SNS's own subscription notices) has nothing to suppress.
    if (parsed.success) suppressed.push(...(await recordFeedback(parsed.data)));
  }
  return { suppressed: suppressed.length };
});
