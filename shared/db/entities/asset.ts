import { CustomAttributeType, Entity } from 'electrodb';

export interface ServicePlan {
  intervalMonths: number;
  jobType: string;
}

/**
 * Equipment at a site (a boiler, a fire panel). Listed by site (gsi1) and, for the planned maintenance run,
 * by next service due date across all assets on a plan (gsi2, sparse: assets without a plan have no due date),
 * and whole for the office (gsi3).
 */
export const asset = new Entity({
  model: { entity: 'asset', version: '1', service: 'fieldops' },
  attributes: {
    assetId: { type: 'string', required: true },
    /** Bumped by every change (a service recorded at closeout too): the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', default: 1 },
    siteId: { type: 'string', required: true },
    customerId: { type: 'string', required: true },
    type: { type: 'string', required: true },
    make: { type: 'string' },
    model: { type: 'string' },
    installedAt: { type: 'string' },
    servicePlan: { type: CustomAttributeType<ServicePlan>('any') },
    nextServiceDue: { type: 'string' },
    lastServicedAt: { type: 'string' },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['assetId'] }, sk: { field: 'sk', composite: [] } },
    bySite: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: ['siteId'] },
      sk: { field: 'gsi1sk', composite: ['assetId'] },
    },
    byServiceDue: {
      index: 'gsi2',
      condition: (attr) => attr.nextServiceDue !== undefined,
      pk: { field: 'gsi2pk', composite: [] },
      sk: { field: 'gsi2sk', composite: ['nextServiceDue'] },
    },
    all: { index: 'gsi3', pk: { field: 'gsi3pk', composite: [] }, sk: { field: 'gsi3sk', composite: ['assetId'] } },
  },
});
