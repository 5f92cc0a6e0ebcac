import type { EntityItem } from 'electrodb';
import type { document } from './entities/document.ts';
import { db, wholeItems, writeIf } from './service.ts';

export type DocumentRecord = EntityItem<typeof document>;

export async function getDocument(documentId: string): Promise<DocumentRecord | undefined> {
  const { data } = await db().entities.document.get({ documentId }).go({ consistent: true });
  return data ?? undefined;
}

/** Records a document made; `false` when it was recorded already (the first one made stands). */
export async function recordDocument(record: DocumentRecord): Promise<boolean> {
  return writeIf(() => db().entities.document.create(record).go());
}

/** The documents of a work order or quote, by id. */
export async function listDocumentsAbout(about: string): Promise<DocumentRecord[]> {
  const { data } = await db().entities.document.query.byAbout({ about }).go({ pages: 'all' });
  return data;
}

/** A customer's documents, newest first. */
export async function listDocumentsOfCustomer(customerId: string, page: { limit: number; cursor?: string }) {
  const result = await wholeItems(
    db()
      .entities.document.query.byCustomer({ customerId })
      .go({ order: 'desc', limit: page.limit, cursor: page.cursor ?? null, hydrate: true }),
  );
  return { items: result.data, nextCursor: result.cursor };
}
