import { Entity } from 'electrodb';

/** A named sequence (work order refs, invoice numbers), advanced with a conditional write so numbers never repeat. */
export const counter = new Entity({
  model: { entity: 'counter', version: '1', service: 'fieldops' },
  attributes: {
    name: { type: 'string', required: true },
    value: { type: 'number', required: true },
  },
  indexes: { primary: { pk: { field: 'pk', composite: ['name'] }, sk: { field: 'sk', composite: [] } } },
});
