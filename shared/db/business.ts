import type { EntityItem } from 'electrodb';
import { defaultTimeZone } from '../time/zone.ts';
import type { business } from './entities/business.ts';
import { db, writeIf } from './service.ts';

export type BusinessRecord = EntityItem<typeof business>;

/** What a business is called and carries until the office sets its own (`PATCH /v1/business`). */
export const defaultBusiness: BusinessRecord = {
  version: 0,
  name: 'Your field service business',
  address: [],
  paymentTermsDays: 30,
  updatedAt: '1970-01-01T00:00:00.000Z',
};

/** The business's details, or the defaults. Read on every message and document: one small item. */
export async function getBusiness(): Promise<BusinessRecord> {
  const { data } = await db().entities.business.get({}).go();
  return data ?? defaultBusiness;
}

/** Replaces the business's details if they are still at `expectedVersion` (0: never set); `false` otherwise. */
export async function putBusiness(record: Omit<BusinessRecord, 'version'>, expectedVersion: number): Promise<boolean> {
  const next = { ...record, version: expectedVersion + 1 };
  if (expectedVersion === 0) return writeIf(() => db().entities.business.create(next).go());
  return writeIf(() =>
    db()
      .entities.business.put(next)
      .where((attr, op) => op.eq(attr.version, expectedVersion))
      .go(),
  );
}

/** The business's time zone (Europe/London until the office sets another): the one its days and shifts are in. */
export async function businessTimeZone(): Promise<string> {
  return (await getBusiness()).timeZone ?? defaultTimeZone;
}
