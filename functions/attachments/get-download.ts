import * as Attachments from '#shared/attachments/attachments.ts';
import { DownloadLink, downloadLinkView } from '#shared/attachments/views.ts';
import { officeRoles } from '#shared/auth/roles.ts';
import { api, ok } from '#shared/http/api.ts';

/** A short-lived download link for a verified attachment, for the assigned engineer or the office. */
export const handler = api({
  roles: ['engineer', ...officeRoles],
  response: { status: 200, body: DownloadLink },
  errors: [404],
}).handler(async ({ params, principal }) =>
  ok(
    downloadLinkView(
      await Attachments.downloadLink({
        workOrderId: params.id as string,
        attachmentId: params.attachmentId as string,
        engineerId: principal.role === 'engineer' ? principal.engineerId : undefined,
      }),
    ),
  ),
);
