import * as z from 'zod';
import { officeRoles } from '#shared/auth/roles.ts';
import { FeedPage, readFeed } from '#shared/events.ts';
import { api, ok } from '#shared/http/api.ts';

const Query = z.strictObject({
  after: z
    .string()
    .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a cursor from this feed')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The change feed: every status change and domain event, in order, from a cursor. */
export const handler = api({ roles: officeRoles, query: Query, response: { status: 200, body: FeedPage } }).handler(
  async ({ query }) => ok(await readFeed(query.after, query.limit)),
);
