import { CustomAttributeType, Entity } from 'electrodb';
import type { ChecklistItem, PartLine } from '../../work-order/model.ts';

/** What a job type needs (skills, certifications, parts, time) and whether it needs approval. Listed whole. */
export const jobTemplate = new Entity({
  model: { entity: 'jobTemplate', version: '1', service: 'fieldops' },
  attributes: {
    jobType: { type: 'string', required: true },
    /** Bumped by every change: the ETag, which a PATCH's If-Match names. */
    version: { type: 'number', default: 1 },
    name: { type: 'string', required: true },
    requiredSkills: { type: 'list', items: { type: 'string' }, required: true },
    requiredCertifications: { type: 'list', items: { type: 'string' }, required: true },
    defaultParts: { type: CustomAttributeType<PartLine[]>('any'), required: true },
    estimatedMinutes: { type: 'number', required: true },
    requiresApproval: { type: 'boolean', required: true },
    approvalThresholdMinor: { type: 'number' },
    fixedPriceMinor: { type: 'number' },
    safetyNotes: { type: 'string' },
    checklist: { type: CustomAttributeType<ChecklistItem[]>('any') },
    requiresSignature: { type: 'boolean' },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['jobType'] }, sk: { field: 'sk', composite: [] } },
    all: { index: 'gsi1', pk: { field: 'gsi1pk', composite: [] }, sk: { field: 'gsi1sk', composite: ['jobType'] } },
  },
});
