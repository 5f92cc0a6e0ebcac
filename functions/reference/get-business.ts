import { officeRoles } from '#shared/auth/roles.ts';
import { getBusiness } from '#shared/db/business.ts';
import { api, etag, ok } from '#shared/http/api.ts';
import { Business, businessView } from '#shared/notify/business.ts';

/** The business's details its documents and messages carry, and its own message wording; the ETag is its version. */
export const handler = api({ roles: officeRoles, response: { status: 200, body: Business } }).handler(async () => {
  const business = await getBusiness();
  return ok(businessView(business), etag(business.version));
});
