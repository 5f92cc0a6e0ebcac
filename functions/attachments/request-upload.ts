import * as Attachments from '#shared/attachments/attachments.ts';
import { UploadGrant, uploadGrantView } from '#shared/attachments/views.ts';
import { api, created } from '#shared/http/api.ts';

/**
 * The assigned engineer asks to upload a photo or signature: a presigned POST for one key, type and size range.
 * The file then goes straight to storage, and counts once the server has checked it.
 */
export const handler = api({
  roles: ['engineer'],
  body: Attachments.RequestUpload,
  idempotency: 'optional',
  response: { status: 201, body: UploadGrant },
  errors: [404, 409],
}).handler(async ({ body, params, principal }) =>
  created(
    uploadGrantView(
      await Attachments.requestUpload({
        workOrderId: params.id as string,
        engineerId: principal.engineerId as string,
        request: body,
      }),
    ),
  ),
);
