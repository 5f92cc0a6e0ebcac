import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { SFNClientConfig } from '@aws-sdk/client-sfn';

/**
 * Options the embedded default adds to the handlers' AWS clients, so that they reach its store and its state machine
 * runner in its own process (local/in-process.ts). In Lambda nothing sets them and the clients are the SDK's own.
 * Read when a client is built, once per process, so the embedded default sets them before the first call.
 */
export const clientOverrides: { dynamodb?: Partial<DynamoDBClientConfig>; sfn?: Partial<SFNClientConfig> } = {};
