import { join } from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build, type Metafile } from 'esbuild';

/**
 * How every function's code is bundled, in esbuild's own terms, in one place: `Fn` hands these options to CDK
 * (`cdkBundling`), which runs the esbuild CLI with them, and `npm run bench:cold` hands them to esbuild's API
 * (`bundleHandlers`), so the figures it prints are those of the deployed bundles. test/infra/bundling.test.ts holds
 * the two bundles of one handler to the same bytes.
 */
export const esbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Prefer dependencies' ESM builds, which esbuild can shake; the banner gives the CommonJS ones (ElectroDB, the mail
  // parser) the `require` that ESM lacks. Nothing is external: the AWS SDK is bundled too (see `cdkBundling`).
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  minify: true,
  // index.mjs.map ships beside index.mjs in every asset, but Node reads it only in a function that asks for it
  // (`Fn` sourceMaps): with --enable-source-maps on, reading the map is paid at every cold start.
  sourcemap: true,
  // Text as it is rather than \u-escaped (Node reads modules as UTF-8): the mail parser's character set tables shrink
  // by 320 KB, and every bundle by 68 KB while it holds zod's error messages in every language.
  charset: 'utf8',
  // Credentials in Lambda are always in the environment: every SDK client's default chain (SSO, ini files, web
  // identity, instance metadata...) gives way to its first link, about 120 KB less in every bundle. Relative to the
  // project root, esbuild's working directory in both builds. See shared/lambda-credentials.ts.
  alias: { '@aws-sdk/credential-provider-node': './shared/lambda-credentials.ts' },
} as const satisfies BuildOptions;

/** The Node option that decodes stack traces with the bundle's source map, for a function that asks for it. */
export const sourceMapsNodeOptions = '--enable-source-maps';

/** `esbuildOptions` as CDK's NodejsFunction takes them (its `bundling` property). */
export function cdkBundling(): BundlingOptions {
  const { target, mainFields, banner, minify, sourcemap, charset, alias } = esbuildOptions;
  return {
    // esbuildOptions.format: ES modules, index.mjs.
    format: OutputFormat.ESM,
    target,
    mainFields: [...mainFields],
    banner: banner.js,
    minify,
    sourceMap: sourcemap,
    // The SDK at the lock file's versions, as the tests run it: the runtime's copy lags and lacks the presigners.
    bundleAwsSDK: true,
    // The options BundlingOptions has no property for, as esbuild's command line spells them.
    esbuildArgs: {
      '--charset': charset,
      '--alias': Object.entries(alias).map(([from, to]) => `${from}=${to}`),
    },
  };
}

/**
 * Bundles handler files (relative to `root`) as the stack does, in one esbuild run: each to
 * `<outdir>/<handler file without .ts>/index.mjs`, with its index.mjs.map, as in the function's asset.
 */
export async function bundleHandlers(root: string, handlerFiles: string[], outdir: string): Promise<Metafile> {
  const { metafile } = await build({
    ...esbuildOptions,
    mainFields: [...esbuildOptions.mainFields],
    absWorkingDir: root,
    entryPoints: Object.fromEntries(handlerFiles.map((file) => [join(file.replace(/\.ts$/, ''), 'index'), file])),
    outdir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'warning',
  });
  return metafile;
}

/** Where `bundleHandlers` writes a handler file's bundle. */
export function bundleFileOf(outdir: string, handlerFile: string): string {
  return join(outdir, handlerFile.replace(/\.ts$/, ''), 'index.mjs');
}
