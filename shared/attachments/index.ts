export * as Attachments from './attachments.ts';
export { verifyUpload } from './verify.ts';
