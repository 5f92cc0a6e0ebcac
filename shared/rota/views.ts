import * as z from 'zod';
import type { RotaEntryRecord } from '../db/rota.ts';
import { Instant, view } from '../http/views.ts';

/** One entry of the engineers' rota: time off, or an on-call period. */
export const RotaEntry = z
  .object({
    id: z.string(),
    engineerId: z.string(),
    kind: z.enum(['leave', 'sickness', 'training', 'other', 'on_call']).meta({
      description: 'Time off (never matched meanwhile), or on call (emergencies may go to them outside their shift).',
    }),
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
