import { Entity } from 'electrodb';

/** A place where work happens. Listed per customer (gsi1) and as a whole for the office (gsi2). */
export const site = new Entity({
  model: { entity: 'site', version: '1', service: 'fieldops' },
  attributes: {
    siteId: { type: 'string', required: true },
    /** Bumped by every change: the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', default: 1 },
    customerId: { type: 'string', required: true },
    name: { type: 'string' },
    address: { type: 'string', required: true },
    postcode: { type: 'string', required: true },
    lat: { type: 'number', required: true },
    lng: { type: 'number', required: true },
    accessInstructions: { type: 'string' },
    hazards: { type: 'list', items: { type: 'string' } },
    /** An IANA zone, when the site is not in the business's: its customers' windows and messages are in it. */
    timeZone: { type: 'string' },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['siteId'] }, sk: { field: 'sk', composite: [] } },
    byCustomer: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['customerId'] },
      sk: { field: 'gsi1sk', composite: ['siteId'] },
    },
    all: { index: 'gsi2', pk: { field: 'gsi2pk', composite: [] }, sk: { field: 'gsi2sk', composite: ['siteId'] } },
  },
});
