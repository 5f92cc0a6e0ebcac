import { api, ok } from '#shared/http/api.ts';
import { Categories, categoriesView } from '#shared/reference/views.ts';
import { categories } from '#shared/work-order/categories.ts';

/** The job categories a request may name. */
export const handler = api({ response: { status: 200, body: Categories } }).handler(async () =>
  ok(categoriesView({ items: categories, nextCursor: null })),
);
