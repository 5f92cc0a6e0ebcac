import * as Attachments from '#shared/attachments/attachments.ts';
import { EmailAttachmentLink, emailAttachmentLinkView } from '#shared/attachments/views.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import { NotFound } from '#shared/errors.ts';
import { api, ok } from '#shared/http/api.ts';

/** A short-lived download link for one attachment of the e-mail a request came in (`email.attachments[index]`). */
export const handler = api({
  roles: officeRoles,
  response: { status: 200, body: EmailAttachmentLink },
  errors: [404],
}).handler(async ({ params }) => {
  const index = Number(params.index);
  if (!/^\d{1,4}$/.test(params.index ?? '')) throw new NotFound('email_attachment', params.index ?? '');
  return ok(
    emailAttachmentLinkView(await Attachments.emailAttachmentLink({ workOrderId: params.id as string, index })),
  );
});
