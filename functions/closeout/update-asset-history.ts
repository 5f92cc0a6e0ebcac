import { z } from 'zod';
import { updateAssetHistory } from '#shared/closeout/asset-history.ts';

/** A Closeout branch; idempotent by work order id, so a Step Functions retry does nothing twice. */
export const handler = async (event: unknown) =>
  updateAssetHistory(z.object({ workOrderId: z.string().min(1) }).parse(event));
