import { randomUUID } from 'node:crypto';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/** A JSON-protocol service's answer to one call: the HTTP status and the JSON body it would send. */
export interface JsonAnswer {
  status: number;
  body: string;
}

/** Answers one call of a JSON-protocol service (DynamoDB, Step Functions): its `X-Amz-Target` and its body. */
export type JsonService = (target: string, body: string) => Promise<JsonAnswer>;

type RequestHandler = Extract<NonNullable<DynamoDBClientConfig['requestHandler']>, { handle: unknown }>;
type HttpRequest = Parameters<RequestHandler['handle']>[0];
type AuthSchemes = NonNullable<DynamoDBClientConfig['httpAuthSchemes']>;

/**
 * The client options that make an AWS SDK client of a JSON-protocol service call the service in this process: the
 * request the SDK built (serialised as on the wire) goes to the service as its target and body, and the service's
 * answer comes back as the HTTP response the SDK parses, so the handlers' code and the wire format are those of
 * Lambda, without a socket, an HTTP parser or a signature on either side. A client is built once per process and
 * kept, and a test may close a service and start another: each call goes to the one `current` answers, and with none
 * it fails as a refused connection does, which the SDK retries, so a service started meanwhile answers.
 */
export function inProcessClient(
  name: string,
  current: () => JsonService | undefined,
): {
  requestHandler: RequestHandler;
  httpAuthSchemes: AuthSchemes;
} {
  const requestHandler: RequestHandler = {
    async handle(request: HttpRequest) {
      const service = current();
      if (!service) throw Object.assign(new Error(`${name} is closed.`), { code: 'ECONNREFUSED' });
      const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
      const body =
        request.body === undefined ? '' : typeof request.body === 'string' ? request.body : text(request.body);
      const answer = await service(target, body);
      return {
        response: {
          statusCode: answer.status,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() },
          body: Buffer.from(answer.body),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  // The service is this process: there is no one to prove an identity to, so the SigV4 scheme signs nothing.
  const httpAuthSchemes: AuthSchemes = [
    {
      schemeId: 'aws.auth#sigv4',
      identityProvider: () => async () => ({}),
      signer: { sign: async (request) => request },
    },
  ];
  return { requestHandler, httpAuthSchemes };
}

function text(body: unknown): string {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new Error('An in-process call takes its body as text or bytes, not a stream.');
}
