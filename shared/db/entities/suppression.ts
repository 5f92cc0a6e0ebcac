import { Entity } from 'electrodb';

/**
 * An address no message goes to again: an e-mail address that bounced for good or complained (SES's feedback), or
 * a number that opted out. Keyed by the address itself (lower-cased), so any contact with it is suppressed.
 */
export const suppression = new Entity({
  model: { entity: 'suppression', version: '1', service: 'fieldops' },
  attributes: {
    address: { type: 'string', required: true },
    reason: { type: ['bounce', 'complaint', 'opt_out'] as const, required: true },
    detail: { type: 'string' },
    at: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['address'] }, sk: { field: 'sk', composite: [] } },
  },
});
