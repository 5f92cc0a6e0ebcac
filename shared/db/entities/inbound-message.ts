import { CustomAttributeType, Entity } from 'electrodb';

/**
 * One e-mail received, once per message however often it is delivered (keyed by its Message-ID, or its bytes
 * when it has none): what became of it (`logged`, `linked` to an open work order, or `rejected` with the
 * reason), so no message is ever dropped without a trace. The record is first written `receiving`, by the
 * delivery that claims the message, before anything of it is stored: it names the raw object that holds the
 * message (`objectKey`), whose own retries carry on, while every other delivery is a duplicate. Listed newest
 * first on gsi1 in one partition (mail arrives at the pace people write it).
 */
export const inboundMessage = new Entity({
  model: { entity: 'inboundMessage', version: '1', service: 'fieldops' },
  attributes: {
    messageKey: { type: 'string', required: true },
    receivedAt: { type: 'string', required: true },
    /** The raw message in the bucket: the delivery that claimed the message. */
    objectKey: { type: 'string', required: true },
    sizeBytes: { type: 'number', required: true },
    messageId: { type: 'string' },
    from: { type: 'string' },
    subject: { type: 'string' },
    /** `receiving` from the first-delivery check until its request is logged or linked. */
    outcome: { type: ['receiving', 'logged', 'linked', 'rejected'] as const, required: true },
    /** A rejection's stable code (`too_large`, `too_deep`, `virus`...) and its reason in words. */
    code: { type: 'string' },
    reason: { type: 'string' },
    workOrderId: { type: 'string' },
    unverified: { type: 'list', items: { type: 'string' } },
    leftOut: { type: CustomAttributeType<Array<{ filename: string; reason: string }>>('any') },
  },
  indexes: {
    primary: { pk: { field: 'pk', composite: ['messageKey'] }, sk: { field: 'sk', composite: [] } },
    recent: {
      index: 'gsi1',
      pk: { field: 'gsi1pk', composite: [] },
      sk: { field: 'gsi1sk', composite: ['receivedAt', 'messageKey'] },
    },
  },
});
