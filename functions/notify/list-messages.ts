import { officeRoles } from '#shared/auth/roles.ts';
import { listMessagesAbout } from '#shared/db/messages.ts';
import { NotFound } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';
import { MessageList, messageView } from '#shared/notify/views.ts';
import * as WorkOrder from '#shared/work-order/work-order.ts';

/**
 * The messages about a work order, in the order of the events that caused them: the office sees every one (sent or
 * skipped, to the customer or to itself); the customer who owns the job sees those sent to them. Anyone else: 404.
 */
export const handler = api({
  roles: [...officeRoles, 'customer'],
  response: { status: 200, body: MessageList },
  errors: [404],
}).handler(async ({ params, principal }) => {
  const id = params.id as string;
  const record = await WorkOrder.get(id);
  const customer = principal.role === 'customer';
  if (customer && record.customerId !== principal.customerId) throw new NotFound('work order', id);
  const messages = (await listMessagesAbout(id)).filter(
    (m) => !customer || (m.audience === 'customer' && m.status === 'sent'),
  );
  return ok({ items: messages.map(messageView) });
});
