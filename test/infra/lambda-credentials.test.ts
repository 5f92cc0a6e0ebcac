import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFileOf, bundleHandlers } from '#infra/bundling.ts';
import { repoRoot } from '#infra/lambda.ts';

// A handler answering the credentials a DynamoDB client resolves, bundled as every function is (infra/bundling.ts).
const probe = 'test/infra/fixtures/credentials-probe.ts';
const outdir = mkdtempSync(join(tmpdir(), 'fieldops-credentials-test-'));
let bundled: { file: string; modules: string[] };

beforeAll(async () => {
  const metafile = await bundleHandlers(repoRoot, [probe], outdir);
  bundled = { file: bundleFileOf(outdir, probe), modules: Object.keys(metafile.inputs) };
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/**
 * Imports the bundle in a fresh Node process with only `environment` (and PATH) set, calls its handler, and answers
 * what it resolved or threw, with every connection the process tried to open.
 */
async function invokeBundle(environment: Record<string, string>) {
  const script = `
    import net from 'node:net';
    const connections = [];
    const connect = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (options, ...rest) {
      connections.push(typeof options === 'object' ? (options.host ?? options.path) : String(options));
      return connect.call(this, options, ...rest);
    };
    const { handler } = await import(process.argv[1]);
    const outcome = await handler().then(
      (credentials) => ({ credentials }),
      (error) => ({ error: { name: error.name, message: error.message } }),
    );
    console.log(JSON.stringify({ ...outcome, connections }));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, pathToFileURL(bundled.file).href],
    { env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-2', ...environment } },
  );
  return JSON.parse(stdout);
}

describe('credentials in a deployed bundle', () => {
  it('are those Lambda puts in the environment', async () => {
    const outcome = await invokeBundle({
      AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
      AWS_SECRET_ACCESS_KEY: 'bundle-secret',
      AWS_SESSION_TOKEN: 'bundle-session',
    });

    expect(outcome.credentials).toMatchObject({
      accessKeyId: 'AKIDBUNDLETEST',
      secretAccessKey: 'bundle-secret',
      sessionToken: 'bundle-session',
    });
    expect(outcome.connections).toEqual([]);
  });

  it('fail with a CredentialsProviderError when the environment has none, looking nowhere else', async () => {
    const outcome = await invokeBundle({});

    expect(outcome.error).toEqual({
      name: 'CredentialsProviderError',
      message: 'Unable to find environment variable credentials.',
    });
    // The whole chain would have asked the instance metadata service (169.254.169.254) before giving up.
    expect(outcome.connections).toEqual([]);
  });

  it('leave the rest of the SDK default chain out of the bundle', () => {
    const chain = bundled.modules.filter((module) =>
      /@aws-sdk\/credential-provider-(node|ini|sso|process|web-identity|http|login)\/|credential-provider-imds/.test(
        module,
      ),
    );

    expect(bundled.modules).toContain('shared/lambda-credentials.ts');
    expect(chain).toEqual([]);
  });
});
