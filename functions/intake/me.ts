import * as z from 'zod';
import { getCustomer, listCustomerSites } from '#shared/db/reference.ts';
import { NotFound } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';

const Me = z
  .object({
    customerId: z.string(),
    name: z.string(),
    contacts: z.array(z.object({ name: z.string(), email: z.string().optional(), phone: z.string().optional() })),
    sites: z.array(
      z.object({ siteId: z.string(), name: z.string().optional(), address: z.string(), postcode: z.string() }),
    ),
  })
  .meta({ title: 'Signed-in customer' });

/** The signed-in customer: their name, contacts and sites, which the web form offers to log a request at. */
export const handler = api({
  roles: ['customer'],
  response: { status: 200, body: Me },
  errors: [404],
}).handler(async ({ principal }) => {
  const customerId = principal.customerId as string;
  const [customer, sites] = await Promise.all([getCustomer(customerId), listCustomerSites(customerId)]);
  if (!customer) throw new NotFound('customer', customerId);
  return ok(
    Me.parse({
      customerId,
      name: customer.name,
      contacts: customer.contacts.map(({ name, email, phone }) => ({ name, email, phone })),
      sites: sites.map(({ siteId, name, address, postcode }) => ({ siteId, name, address, postcode })),
    }),
  );
});
