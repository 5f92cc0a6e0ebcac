import { CustomAttributeType, Entity } from 'electrodb';
import type { Certification, LatLng, Shift } from '../../work-order/model.ts';

/**
 * A field engineer with skills, certifications (each with its expiry), home base and shift. The whole team is read
 * at once for matching (gsi1 `all`): a business has tens to a few hundred engineers.
 */
export const engineer = new Entity({
  model: { entity: 'engineer', version: '1', service: 'fieldops' },
  attributes: {
    engineerId: { type: 'string', required: true },
    /** Bumped by every change: the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', default: 1 },
    name: { type: 'string', required: true },
    email: { type: 'string' },
    phone: { type: 'string' },
    skills: { type: 'list', items: { type: 'string' }, required: true },
    certifications: { type: CustomAttributeType<Certification[]>('any'), required: true },
    homeBase: { type: CustomAttributeType<LatLng>('any'), required: true },
    shift: { type: CustomAttributeType<Shift>('any'), required: true },
    hourlyRateMinor: { type: 'number', required: true },
    active: { type: 'boolean', required: true },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['engineerId'] }, sk: { field: 'sk', composite: [] } },
    all: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: [] },
      sk: { field: 'gsi1sk', composite: ['engineerId'] },
    },
  },
});
