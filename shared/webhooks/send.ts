import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Vetted } from './guard.ts';

/** How long an attempt may take in all (connecting, sending, the answer's head and the part of its body read). */
export const attemptTimeoutMs = 10_000;
/** How much of an answer is read before the connection is dropped: a receiver cannot make us read without end. */
export const maxAnswerBytes = 64 * 1024;
/** How much of the answer the delivery log keeps. */
export const excerptChars = 500;

/** What became of one attempt: the receiver's status (or why there was none), how long it took and what it said. */
export interface AttemptResult {
  status?: number;
  error?: string;
  latencyMs: number;
  excerpt?: string;
  /** A 429 or 503's `Retry-After`: how long the receiver asked us to wait, in milliseconds. */
  retryAfterMs?: number;
}

/**
 * A `Retry-After` header's wait in milliseconds (RFC 9110: a number of seconds or an HTTP date), on the answers that
 * may carry one (429 Too Many Requests, 503 Service Unavailable); `undefined` when there is none or it is unreadable.
 */
export function retryAfterOf(status: number | undefined, header: string | undefined, now = Date.now()) {
  if ((status !== 429 && status !== 503) || !header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date is always in GMT (`Wed, 02 Dec 2026 10:05:00 GMT`).
  const at = value.endsWith('GMT') ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(at - now, 0);
}

/**
 * POSTs a signed webhook to the vetted address, and to no other: the connection's lookup answers the address the
 * guard checked, so a second resolution cannot lead it elsewhere, while the Host header and TLS (SNI and the
 * certificate's name) still name the URL's host. A redirect is never followed (it is the answer: a failed attempt);
 * the whole attempt is bounded by {@link attemptTimeoutMs} and the answer read is cut at {@link maxAnswerBytes}.
 */
export function post(
  target: Vetted,
  body: string,
  headers: Record<string, string>,
  limits: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<AttemptResult> {
  const timeoutMs = limits.timeoutMs ?? attemptTimeoutMs;
  const maxBytes = limits.maxBytes ?? maxAnswerBytes;
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  const { url, host, address, family } = target;
  const lookup: LookupFunction = (_hostname, options, callback) => {
    // Node's connect asks for every address (`all`) when it may try several (autoSelectFamily): one is given.
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, list: Array<{ address: string; family: number }>) => void)(null, [
        { address, family },
      ]);
    } else callback(null, address, family);
  };
  const https = url.protocol === 'https:';
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ...result, latencyMs: latencyMs() });
    };
    const req = (https ? httpsRequest : httpRequest)(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: host,
        port: url.port || (https ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        headers: {
          ...headers,
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'FieldOps-Webhooks/1 (+https://www.standardwebhooks.com)',
        },
        lookup,
        // An IP literal is connected to as it is; a name is looked up (above) and named in SNI.
        ...(https && !isIP(host) ? { servername: host } : {}),
        agent: false,
      },
      (res) =>
        readAnswer(res, maxBytes).then((excerpt) => {
          const retryAfterMs = retryAfterOf(res.statusCode, res.headers['retry-after']);
          finish({ status: res.statusCode, excerpt, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
        }),
    );
    const deadline = setTimeout(() => {
      req.destroy();
      finish({ error: `timed out after ${timeoutMs / 1000} s` });
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
    req.end(body);
  });
}

/** Reads the answer up to `maxBytes`, then drops the connection; answers its start as text, for the log. */
function readAnswer(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, excerptChars));
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) {
        res.destroy();
        done();
      }
    });
    res.on('end', done);
    res.on('error', done);
    res.on('close', done);
  });
}
