import type { EntityItem } from 'electrodb';
import type { inboundMessage } from './entities/inbound-message.ts';
import type { CustomerRecord, SiteRecord } from './reference.ts';
import { db, writeIf } from './service.ts';

export type InboundMessageRecord = EntityItem<typeof inboundMessage>;

/** Records what became of a message; the first delivery's record stands. Answers false when one already did. */
export async function recordInboundMessage(record: InboundMessageRecord): Promise<boolean> {
  return writeIf(() => db().entities.inboundMessage.create(record).go());
}

export async function getInboundMessage(messageKey: string): Promise<InboundMessageRecord | undefined> {
  const { data } = await db().entities.inboundMessage.get({ messageKey }).go();
  return data ?? undefined;
}

/** Inbound messages, newest first. */
export async function listInboundMessages(page: { limit: number; cursor?: string }) {
  const { data, cursor } = await db()
    .entities.inboundMessage.query.recent({})
    .go({ order: 'desc', limit: page.limit, cursor: page.cursor ?? null });
  return { items: data, nextCursor: cursor };
}

/** Every customer, for matching a sender by contact address or domain (customers number in the hundreds). */
export async function listAllCustomers(): Promise<CustomerRecord[]> {
  const { data } = await db().entities.customer.query.all({}).go({ pages: 'all' });
  return data;
}

export async function listCustomerSites(customerId: string): Promise<SiteRecord[]> {
  const { data } = await db().entities.site.query.byCustomer({ customerId }).go({ pages: 'all' });
  return data;
}
