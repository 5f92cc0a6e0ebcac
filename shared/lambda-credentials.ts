import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The AWS SDK's default credentials as deployed functions need them: nothing imports this module by name. Every SDK
 * client's runtime configuration imports `defaultProvider` from `@aws-sdk/credential-provider-node`, the whole chain
 * (environment, SSO, ini files, web identity, process, container and instance metadata), about 120 KB in each bundle.
 * In Lambda, credentials always arrive in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), the chain's first link, so infra/bundling.ts aliases that package to this module and a bundle
 * holds that link only. Without credentials in the environment a client fails at its first call with the SDK's own
 * CredentialsProviderError, and never looks further (no file, no network).
 *
 * Locally nothing is bundled (tsx runs the sources), so the local runtime, the tests and the scripts keep the full
 * chain. test/infra/lambda-credentials.test.ts builds a bundle and checks both cases.
 */

type Credentials = Awaited<ReturnType<ReturnType<typeof fromEnv>>>;

/**
 * The chain's `defaultProvider(init)`, with its first link only: a provider a client calls before each request.
 * A client takes the default provider as memoized (it does not cache its answer itself), so this one keeps the
 * credentials it read, as the chain does, and reads them again only when asked to refresh or when they say they
 * expire within five minutes.
 */
export function defaultProvider(init: FromEnvInit = {}) {
  const read = fromEnv(init);
  let credentials: Credentials | undefined;
  return async (options?: { forceRefresh?: boolean }): Promise<Credentials> => {
    if (!credentials || options?.forceRefresh || credentialsTreatedAsExpired(credentials)) credentials = await read();
    return credentials;
  };
}

/** As the chain exports it: credentials that carry an expiry time are refreshed before it. */
export const credentialsWillNeedRefresh = (credentials?: Credentials) => credentials?.expiration !== undefined;

/** As the chain exports it: credentials within five minutes of their expiry are read again. */
export const credentialsTreatedAsExpired = (credentials?: Credentials) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
