import { Attachments } from '#shared/attachments/index.ts';
import { api, officeRoles, ok } from '#shared/http/api.ts';

/** A short-lived download link for a verified attachment, for the assigned engineer or the office. */
export const handler = api({ roles: ['engineer', ...officeRoles] }).handler(async ({ params, principal }) =>
  ok(
    await Attachments.downloadLink({
      workOrderId: params.id as string,
      attachmentId: params.attachmentId as string,
      engineerId: principal.role === 'engineer' ? principal.engineerId : undefined,
    }),
  ),
);
