import { api, etag, ok } from '#shared/http/api.ts';
import { Business, businessView, UpdateBusiness, updateBusiness } from '#shared/notify/business.ts';

/** An admin changes the business's details or its wording of a message, from the version read (`If-Match`). */
export const handler = api({
  roles: ['admin'],
  body: UpdateBusiness,
  ifMatch: true,
  response: { status: 200, body: Business },
}).handler(async ({ body, expectedVersion }) => {
  const business = await updateBusiness(body, expectedVersion);
  return ok(businessView(business), etag(business.version));
});
