import net from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '#shared/attachments/storage.ts';
import { getInboundMessage } from '#shared/db/inbound-mail.ts';
import { getWorkOrder } from '#shared/db/work-orders.ts';
import type { Receipt } from '#shared/intake/email/receive.ts';
import { handler } from '../../functions/intake/receive-email.ts';
import { hostileCorpus } from '../fixtures/hostile-mail.ts';
import { type LocalApi, startLocalApi } from '../fixtures/local-api.ts';

// Every connection the process opens while the corpus is read, by the host it names before any lookup: intake
// must reach nothing but the local stores (remote images, stylesheets, frames... are never fetched).
const outbound: string[] = [];
const loopback = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);
const originalConnect = net.Socket.prototype.connect;

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi();
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const [first, second] = args as [unknown, unknown];
    const host =
      typeof first === 'object' && first !== null
        ? ((first as { host?: string; path?: string }).host ?? (first as { path?: string }).path ?? 'localhost')
        : typeof second === 'string'
          ? second
          : 'localhost';
    if (!loopback.has(host)) outbound.push(`connect ${host}`);
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof originalConnect;
});

afterAll(async () => {
  net.Socket.prototype.connect = originalConnect;
  await api?.close();
});

async function deliver(name: string, raw: Buffer): Promise<Receipt> {
  const key = `corpus/${name.replace(/[^a-z0-9]+/gi, '-')}`;
  await s3().send(new PutObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: key, Body: raw }));
  const [receipt] = await handler({
    Records: [{ s3: { bucket: { name: process.env.BUCKET_NAME as string }, object: { key, size: raw.length } } }],
  } as Parameters<typeof handler>[0]);
  return receipt as Receipt;
}

describe('a hostile e-mail corpus', () => {
  it.each(hostileCorpus.map((m) => [m.name, m] as const))('%s: logged or rejected with a reason', async (_, m) => {
    const receipt = await deliver(m.name, m.raw());

    expect(receipt.outcome).toBe(m.expect.outcome);
    const recorded = await getInboundMessage(receipt.messageKey);
    expect(recorded?.outcome).toBe(m.expect.outcome);
    if (m.expect.outcome === 'rejected') {
      expect(receipt.code).toBe(m.expect.code);
      expect(recorded?.reason).toMatch(/\w/);
      expect(receipt.workOrderId).toBeUndefined();
      return;
    }
    const workOrder = await getWorkOrder(receipt.workOrderId as string);
    expect(workOrder?.source).toBe('email');
    expect(Boolean(workOrder?.unverified)).toBe(m.expect.unverified ?? false);
    if (workOrder?.unverified) expect(workOrder.customerId).toBeUndefined();
    // Nothing from the message reaches a header or a log line as a line break, and no markup survives as text.
    expect(workOrder?.email?.subject).not.toMatch(/[\r\n]/);
    expect(workOrder?.email?.from).not.toMatch(/[\r\n]/);
    expect(workOrder?.description).not.toMatch(/<script|onload=/i);
  });

  it('kept what the limits allow of a message with many attachments, and listed the rest', async () => {
    const many = hostileCorpus.find((m) => m.name.startsWith('many small attachments'));
    const receipt = await deliver('many again', (many as (typeof hostileCorpus)[number]).raw());
    const workOrder = await getWorkOrder(receipt.workOrderId as string);
    expect(workOrder?.email?.attachments).toHaveLength(20);
    expect(workOrder?.email?.leftOut).toHaveLength(280);
    expect(workOrder?.email?.leftOut[0]?.reason).toBe('more than 20 attachments');
  });

  it('made no connection beyond the local stores', () => {
    expect(outbound).toEqual([]);
  });
});
