import type { EntityItem } from 'electrodb';
import { longestEntryDays, type rotaEntry } from './entities/rota-entry.ts';
import { db, writeIf } from './service.ts';

export type RotaEntryRecord = EntityItem<typeof rotaEntry>;

/** Writes a new entry; `false` when one with its id exists already (a retried request). */
export async function createRotaEntry(record: RotaEntryRecord): Promise<boolean> {
  return writeIf(() => db().entities.rotaEntry.create(record).go());
}

export async function getRotaEntry(entryId: string): Promise<RotaEntryRecord | undefined> {
  const { data } = await db().entities.rotaEntry.get({ entryId }).go({ consistent: true });
  return data ?? undefined;
}

/** Removes an entry; `false` when there was none. */
export async function deleteRotaEntry(entryId: string): Promise<boolean> {
  return writeIf(() =>
    db()
      .entities.rotaEntry.delete({ entryId })
      .where((attr, op) => op.exists(attr.entryId))
      .go(),
  );
}

/**
 * The entries that overlap `from` to `to` (ISO instants), by end: those ending after `from` and no later than the
 * longest entry after `to`, of which those starting before `to`. One range of `byEnd`, whatever the rota's past.
 */
export async function listRotaOverlapping(from: string, to: string): Promise<RotaEntryRecord[]> {
  const last = new Date(Date.parse(to) + longestEntryDays * 86_400_000).toISOString();
  const { data } = await db()
    .entities.rotaEntry.query.byEnd({})
    .between({ to: from }, { to: last })
    .go({ pages: 'all' });
  return data.filter((entry) => entry.to > from && entry.from < to);
}
