import { api, ok } from '#shared/http/api.ts';
import { categories } from '#shared/work-order/categories.ts';

/** The job categories a request may name. */
export const handler = api({}).handler(async () => ok({ items: categories, nextCursor: null }));
