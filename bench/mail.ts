/**
 * `npm run bench:mail`: e-mail intake's figures, printed, never asserted. Runs every message of the hostile corpus
 * (test/fixtures/hostile-mail.ts) through the deployed handler on the embedded default, reporting for each the
 * outcome, the time the handler took and how far the process's memory rose while it ran; then sends ordinary
 * messages through the local SMTP server and reports the time from the SMTP reply to the logged request.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import nodemailer from 'nodemailer';
import { startRuntime } from '#local/runtime.ts';
import { s3 } from '#shared/attachments/storage.ts';
import { getInboundMessage } from '#shared/db/inbound-mail.ts';
import { keyOf } from '#shared/intake/email/parse.ts';
import type { Receipt } from '#shared/intake/email/receive.ts';
import { handler } from '../functions/intake/receive-email.ts';
import { hostileCorpus } from '../test/fixtures/hostile-mail.ts';

const ordinary = Number(process.argv[2] ?? 50);
const runtime = await startRuntime({ port: 0, smtpPort: 0 });
const bucket = process.env.BUCKET_NAME as string;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0).padStart(4)} MB`;

console.log('hostile corpus, one message at a time (size, outcome, handler time, rss rise while it ran)');
for (const message of hostileCorpus) {
  const raw = message.raw();
  const key = `bench/${message.name.replace(/[^a-z0-9]+/gi, '-')}`;
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: raw }));
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const t0 = performance.now();
  const [receipt] = (await handler({
    Records: [{ s3: { bucket: { name: bucket }, object: { key, size: raw.length } } }],
  } as Parameters<typeof handler>[0])) as Receipt[];
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const outcome = `${receipt?.outcome}${receipt?.code ? ` (${receipt.code})` : ''}`;
  console.log(
    `${message.name.slice(0, 62).padEnd(62)} ${mb(raw.length)}  ${outcome.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms  +${mb(peak - before)}`,
  );
}

/** The message's request is logged: its record is past `receiving`, which the first-delivery check writes. */
async function logged(messageId: string): Promise<boolean> {
  const record = await getInboundMessage(keyOf(`message-id:${messageId}`));
  return record !== undefined && record.outcome !== 'receiving';
}

const transport = nodemailer.createTransport({ host: '127.0.0.1', port: runtime.smtpPort, ignoreTLS: true });
const latencies: number[] = [];
for (let i = 0; i < ordinary; i++) {
  const messageId = `bench-${i}-${Date.now()}@northwesthomes.co.uk`;
  const t0 = performance.now();
  await transport.sendMail({
    from: 'maintenance@northwesthomes.co.uk',
    to: 'jobs@fieldops.example',
    subject: `Dripping tap at Blossom Street (${i})`,
    text: 'The kitchen tap in flat 3 drips constantly.',
    messageId: `<${messageId}>`,
  });
  const smtpMs = performance.now() - t0;
  await runtime.settled();
  while (!(await logged(messageId))) await new Promise((resolve) => setTimeout(resolve, 2));
  latencies.push(performance.now() - t0);
  if (i === 0) console.log(`\nfirst SMTP reply ${smtpMs.toFixed(1)} ms`);
}

const sorted = [...latencies].sort((a, b) => a - b);
const at = (p: number) =>
  (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0).toFixed(1);
console.log(`ordinary e-mail, SMTP to logged request   p50 ${at(50)} ms   p99 ${at(99)} ms   n=${sorted.length}`);
console.log(`memory (rss) at the end                   ${mb(process.memoryUsage().rss)}`);
transport.close();
await runtime.close();
