import { CustomAttributeType, Entity } from 'electrodb';
import type { Contract } from '../../work-order/model.ts';

export interface Contact {
  name: string;
  email?: string;
  phone?: string;
  /** How they want to hear from the business (shared/notify/channels.ts). */
  notifications?: { optOut?: boolean; channel?: 'email' | 'sms'; quietHours?: { from: string; to: string } };
  /** An address of theirs bounced for good or complained: messages to it are suppressed. */
  flagged?: { reason: string; at: string };
}

/**
 * A customer of the business. Customers are few (hundreds) and listed whole by the office, so they share one
 * partition on gsi1 (`all`), ordered by name; e-mail intake finds a customer by contact address or domain,
 * which is a small list read, never a scan.
 */
export const customer = new Entity({
  model: { entity: 'customer', version: '1', service: 'fieldops' },
  attributes: {
    customerId: { type: 'string', required: true },
    /** Bumped by every change: the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', default: 1 },
    name: { type: 'string', required: true },
    contacts: { type: CustomAttributeType<Contact[]>('any'), required: true },
    emailDomains: { type: 'list', items: { type: 'string' } },
    contract: { type: CustomAttributeType<Contract>('any') },
    /** The customer's account in the business's accounting product (Sage 50's account reference: 8 characters). */
    accountRef: { type: 'string' },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['customerId'] }, sk: { field: 'sk', composite: [] } },
    all: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: [] },
      sk: { field: 'gsi1sk', composite: ['name', 'customerId'] },
    },
  },
});
