import { Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { quarantineKey, uploadPrefix } from '#shared/attachments/rules.ts';
import { DeadLetterQueue } from './dead-letters.ts';
import { Fn } from './lambda.ts';

/**
 * Server-side checks of uploaded photos and signatures: the bucket's object-created notification for
 * `work-orders/` invokes `functions/attachments/verify-upload.ts`, which verifies each object (size, type, magic
 * bytes) or moves it to quarantine, outside that prefix. An attachment counts only once it is verified.
 */
export class UploadVerification extends Construct {
  readonly fn: Fn;
  /** Object-created events the function still failed on after its retries. */
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: { table: ITable; bucket: IBucket }) {
    super(scope, id);
    // It reads an upload (a version it records), moves a refused one to quarantine and deletes it from its key;
    // listing under the prefix makes a key a concurrent delivery already moved answer 404, not 403.
    this.fn = new Fn(this, 'VerifyUpload', { handlerFile: 'functions/attachments/verify-upload.ts' })
      .bindTable(props.table, 'write')
      .bindBucket(props.bucket, [
        { prefix: uploadPrefix, actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject', 's3:ListBucket'] },
        { prefix: quarantineKey(uploadPrefix), actions: ['s3:PutObject'] },
      ]);
    props.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.fn), {
      prefix: uploadPrefix,
    });
    acknowledgeNotificationsHandler(this);

    // S3 invokes asynchronously: after Lambda's retries, an upload the function could not check is recorded here
    // (with the error) instead of staying unverified with no trace; the object stays in the bucket to be redriven.
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      receives: 'the verify-upload function',
      description: 'Uploads the verify-upload function failed on after its retries',
    });
    this.deadLetters.receiveAsyncFailuresOf(this.fn, { retryAttempts: 2 });
  }
}

/**
 * CDK configures bucket notifications through one singleton custom-resource function per stack, which it builds
 * itself: its role and runtime are not ours to choose, so its findings are acknowledged where they are.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  const handler = Stack.of(scope).node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) throw new Error('CDK did not create the bucket notifications handler.');
  Validations.of(handler.node.findChild('Role')).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'CDK builds the bucket notifications handler with the basic execution role; its code never reads data.',
  });
}
