import * as z from 'zod';
import type { RotaEntryRecord } from '../db/rota.ts';
import { Instant, view } from '../http/views.ts';

/** One entry of the engineers' rota: time off, an on-call period, or a day a long job's visit holds. */
export const RotaEntry = z
  .object({
    id: z.string(),
    engineerId: z.string(),
    kind: z.enum(['leave', 'sickness', 'training', 'other', 'on_call', 'visit']).meta({
      description:
        'Time off (never matched meanwhile), on call (emergencies may go to them outside their shift), or a visit: ' +
        'the engineer is held for a job longer than a shift, or a return with parts (planning writes these).',
    }),
    workOrderId: z.string().optional().meta({ description: 'A visit’s work order.' }),
    from: Instant,
    to: Instant,
    maxTravelMinutes: z.number().int().optional(),
    note: z.string().optional(),
    createdBy: z.string(),
    createdAt: Instant,
  })
  .meta({ title: 'Rota entry' });

export const RotaEntries = z.object({ items: z.array(RotaEntry) }).meta({ title: 'Rota entries' });

const asEntry = view(RotaEntry);

export const rotaEntryView = (record: RotaEntryRecord) => asEntry({ ...record, id: record.entryId });
