import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { S3Client } from '@aws-sdk/client-s3';
import type { Template } from 'aws-cdk-lib/assertions';
import { CachePolicy } from 'aws-cdk-lib/aws-cloudfront';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '#infra/lambda.ts';
import { officeVendorFiles } from '#infra/portal-policy.ts';
import { FieldOpsStack } from '#infra/stack.ts';
import { presignUpload } from '#shared/attachments/storage.ts';
import { testApp, wholeTemplate } from './synth.ts';
import {
  type CfnResource,
  dependencyCycle,
  deployedJson,
  logicalIdOf,
  nagFindings,
  onlyResource,
  resource,
  resourcesOf,
  stagedSources,
} from './template.ts';

/** The app's files as the checkout holds them, each deployed as it is. */
const appFiles = readdirSync(join(repoRoot, 'app'));

interface Synthesized {
  stack: FieldOpsStack;
  template: Template;
  outdir: string;
}

let withApp: Synthesized;
let cleanup: () => void;

beforeAll(() => {
  const test = testApp();
  cleanup = test.cleanup;
  const stack = new FieldOpsStack(test.app, 'FieldOps');
  withApp = { stack, template: wholeTemplate(stack), outdir: test.app.outdir };
});

afterAll(() => cleanup?.());

const logicalId = (construct: IConstruct) => logicalIdOf(withApp.stack, construct);
const distribution = (template = withApp.template) =>
  onlyResource(template, 'AWS::CloudFront::Distribution')[1].Properties.DistributionConfig;
const appBehavior = () =>
  distribution().CacheBehaviors.find((behavior: { PathPattern: string }) => behavior.PathPattern === '/app/*');
const bucketDeployments = ({ template }: Synthesized) => resourcesOf(template, 'Custom::CDKBucketDeployment');
const appDeployments = (synthesized: Synthesized) =>
  bucketDeployments(synthesized).filter(
    ([, deployment]) => deployment.Properties.DestinationBucketKeyPrefix === 'app/',
  );
const appUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.any(String), 'DomainName'] }, '/app/']] };

/**
 * Whether `aws s3 sync`, as CDK's deployment handler runs it (every `--exclude`, then every `--include`), takes
 * in a file under the destination prefix: the last filter that matches decides, and `*` matches across folders.
 * A file it takes in is written when a source holds it, and pruned when none does.
 */
function synced(file: string, deployment: CfnResource): boolean {
  const filters: [string, boolean][] = [
    ...(deployment.Properties.Exclude ?? []).map((pattern: string): [string, boolean] => [pattern, false]),
    ...(deployment.Properties.Include ?? []).map((pattern: string): [string, boolean] => [pattern, true]),
  ];
  const matches = (pattern: string) => new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(file);
  return filters.reduce((taken, [pattern, include]) => (matches(pattern) ? include : taken), true);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether one of the deployment's sources holds the file. */
const holds = (outdir: string, deployment: CfnResource, file: string) =>
  stagedSources(outdir, deployment).some((source) => existsSync(join(source, file)));

/** The one app deployment that writes the file. */
function writerOf(file: string): CfnResource {
  const writers = appDeployments(withApp).filter(
    ([, deployment]) => synced(file, deployment) && holds(withApp.outdir, deployment, file),
  );
  if (writers.length !== 1) throw new Error(`${writers.length} deployments write ${file}`);
  return (writers[0] as [string, CfnResource])[1];
}

/**
 * A CloudFormation string (`Fn::Join` of strings, `Ref`s and `Fn::GetAtt`s) with the pseudo parameters and refs
 * given replaced by their values, and any other reference written `<logicalId>`.
 */
function resolved(value: any, values: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (value['Fn::Join']) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map((part: unknown) => resolved(part, values)).join(separator);
  }
  if (value.Ref) return values[value.Ref] ?? `<${value.Ref}>`;
  if (value['Fn::GetAtt']) return `<${value['Fn::GetAtt'][0]}>`;
  throw new Error(`Cannot resolve ${JSON.stringify(value)}`);
}

describe("the engineer's app's files", () => {
  it("deploys app/ to the prefix app/ of the web form's bucket, pruning what a deployment no longer holds", () => {
    const deployments = appDeployments(withApp);
    const deployed = new Set(
      deployments.flatMap(([, deployment]) =>
        stagedSources(withApp.outdir, deployment).flatMap((source) =>
          readdirSync(source, { recursive: true, encoding: 'utf8' }),
        ),
      ),
    );

    expect(deployments.length).toBeGreaterThan(0);
    for (const [, deployment] of deployments) {
      expect(deployment.Properties).toMatchObject({
        DestinationBucketName: { Ref: logicalId(withApp.stack.portal.bucket) },
        DestinationBucketKeyPrefix: 'app/',
        Prune: true,
      });
    }
    for (const file of appFiles) expect(deployed, file).toContain(file);
  });

  it("writes a config.json naming the API, the stack's sign-in, the app's own client and its address", () => {
    const config = deployedJson(withApp.outdir, writerOf('config.json'), 'config.json');

    expect(config).toEqual({
      apiUrl: `https://{'Ref':'${logicalId(withApp.stack.api.httpApi)}'}.execute-api.{'Ref':'AWS::Region'}.{'Ref':'AWS::URLSuffix'}/`,
      auth: {
        mode: 'cognito',
        domain: `https://{'Ref':'${logicalId(withApp.stack.portal.domain)}'}.auth.{'Ref':'AWS::Region'}.amazoncognito.com`,
        clientId: `{'Ref':'${logicalId(withApp.stack.portal.appClient)}'}`,
        redirectUri: `https://{'Fn::GetAtt':['${logicalId(withApp.stack.portal.distribution)}','DomainName']}/app/`,
      },
    });
  });

  it("keeps each deployment's prune to its own files: disjoint prefixes, and in app/ one deployment per file", () => {
    const prefixes = bucketDeployments(withApp).map(
      ([, deployment]) => deployment.Properties.DestinationBucketKeyPrefix,
    );
    const distinct = [...new Set(prefixes)];

    expect(distinct.sort()).toEqual(['app/', 'common/', 'office/', 'office/vendor/', 'portal/']);
    // A prefix inside another is the outer deployment's to leave alone: its sync excludes every file under it.
    for (const [, outer] of bucketDeployments(withApp)) {
      const prefix = outer.Properties.DestinationBucketKeyPrefix;
      for (const inner of distinct.filter((other) => other !== prefix && other.startsWith(prefix))) {
        expect(synced(`${inner.slice(prefix.length)}leaflet.js`, outer), `${prefix} spares ${inner}`).toBe(false);
      }
    }
    // A deployment that takes in a file it does not hold deletes it: each file must be taken in by its writer alone.
    for (const file of [...appFiles, 'config.json']) {
      const takers = appDeployments(withApp).filter(([, deployment]) => synced(file, deployment));
      expect(takers, file).toHaveLength(1);
      expect(holds(withApp.outdir, (takers[0] as [string, CfnResource])[1], file), file).toBe(true);
    }
  });

  it('serves the manifest as application/manifest+json, and leaves the other files their own types', () => {
    expect(writerOf('manifest.webmanifest').Properties.SystemMetadata['content-type']).toBe(
      'application/manifest+json',
    );
    for (const file of ['index.html', 'app.js', 'sw.js', 'icon-192.png', 'config.json']) {
      expect(writerOf(file).Properties.SystemMetadata['content-type'], file).toBeUndefined();
    }
  });

  it('has browsers and CloudFront revalidate sw.js and every other file of the app, not keep them five minutes', () => {
    const [, portal] = onlyResource(
      withApp.template,
      'Custom::CDKBucketDeployment',
      (deployment) => deployment.Properties.DestinationBucketKeyPrefix === 'portal/',
    );

    for (const file of [...appFiles, 'config.json']) {
      expect(writerOf(file).Properties.SystemMetadata['cache-control'], file).toBe('public, no-cache');
    }
    // The managed CachingOptimized policy: its minimum TTL is one second, so CloudFront keeps a no-cache file that
    // long, where it keeps the web form's files for their max-age.
    expect(appBehavior().CachePolicyId).toBe(CachePolicy.CACHING_OPTIMIZED.cachePolicyId);
    expect(portal.Properties.SystemMetadata['cache-control']).toBe('public, max-age=300');
  });

  it('deploys the sign-in both pages import to common/, revalidated as the app is', () => {
    const [, common] = onlyResource(
      withApp.template,
      'Custom::CDKBucketDeployment',
      (deployment) => deployment.Properties.DestinationBucketKeyPrefix === 'common/',
    );
    const files = stagedSources(withApp.outdir, common).flatMap((source) => readdirSync(source));

    expect(files).toEqual(readdirSync(join(repoRoot, 'common')));
    expect(files).toContain('sign-in.js');
    expect(common.Properties.SystemMetadata['cache-control']).toBe('public, no-cache');
  });
});

describe("the engineer's app on CloudFront", () => {
  it("is served under /app/* from the web form's origin, over HTTPS, GET and HEAD only, through the viewer function", () => {
    const config = distribution();

    expect(config.Origins).toHaveLength(1);
    expect(config.CacheBehaviors.map((behavior: { PathPattern: string }) => behavior.PathPattern).sort()).toEqual([
      '/app/*',
      '/office/*',
    ]);
    expect(appBehavior()).toMatchObject({
      TargetOriginId: config.DefaultCacheBehavior.TargetOriginId,
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      FunctionAssociations: config.DefaultCacheBehavior.FunctionAssociations,
    });
  });

  it('redirects /app to /app/ and serves /app/ from its index.html', () => {
    const [, fn] = onlyResource(withApp.template, 'AWS::CloudFront::Function');
    const handler = runInNewContext(`${fn.Properties.FunctionCode}; handler`) as (event: unknown) => any;
    const viewerRequest = (uri: string) => handler({ request: { uri, headers: {} } });

    expect(viewerRequest('/app')).toMatchObject({ statusCode: 301, headers: { location: { value: '/app/' } } });
    expect(viewerRequest('/app/').uri).toBe('/app/index.html');
    expect(viewerRequest('/app/sw.js').uri).toBe('/app/sw.js');
    expect(viewerRequest('/app/manifest.webmanifest').uri).toBe('/app/manifest.webmanifest');
  });

  it("sends the app's own CSP: its service worker, manifest and blob: photos, and calls to the API, Cognito and the bucket the API presigns POSTs for", async () => {
    const bucketName = 'fieldops-storageattachments1a2b3c4d-0123456789ab';
    const region = 'eu-west-2';
    const presigned = await presignUpload(
      new S3Client({ region, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } }),
      { bucket: bucketName, key: 'uploads/photo', contentType: 'image/jpeg', maxBytes: 1 },
    );
    const policy = resource(withApp.template, appBehavior().ResponseHeadersPolicyId.Ref).Properties
      .ResponseHeadersPolicyConfig;
    const csp = resolved(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy, {
      [logicalId(withApp.stack.storage.bucket)]: bucketName,
      'AWS::Region': region,
      'AWS::URLSuffix': 'amazonaws.com',
    });
    const directives = new Map(
      csp.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)] as const),
    );

    expect(policy.SecurityHeadersConfig).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    expect(directives.get('worker-src')).toEqual(["'self'"]);
    expect(directives.get('manifest-src')).toEqual(["'self'"]);
    expect(directives.get('img-src')).toContain('blob:');
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual([
      "'self'",
      `https://*.execute-api.${region}.amazonaws.com`,
      `https://<${logicalId(withApp.stack.portal.domain)}>.auth.${region}.amazoncognito.com`,
      new URL(presigned.url).origin,
    ]);
  });

  it("leaves the web form's CSP as it was, without the app's service worker or bucket", () => {
    const policyId = distribution().DefaultCacheBehavior.ResponseHeadersPolicyId.Ref;
    const csp = JSON.stringify(resource(withApp.template, policyId).Properties.ResponseHeadersPolicyConfig);

    expect(policyId).not.toBe(appBehavior().ResponseHeadersPolicyId.Ref);
    expect(csp).not.toContain('worker-src');
    expect(csp).not.toContain(logicalId(withApp.stack.storage.bucket));
  });

  it('names the attachments bucket in its headers without a dependency cycle', () => {
    const bucket = resource(withApp.template, logicalId(withApp.stack.storage.bucket));

    expect(JSON.stringify(bucket)).not.toContain(logicalId(withApp.stack.portal.distribution));
    expect(dependencyCycle(withApp.template)).toBeUndefined();
  });

  it("outputs the app's address", () => {
    const outputs = Object.entries(withApp.template.toJSON().Outputs as Record<string, { Value: unknown }>);

    expect(outputs).toContainEqual([
      expect.stringMatching(/^PortalAppUrl/),
      expect.objectContaining({ Value: appUrl, Description: "The engineer's app" }),
    ]);
  });
});

describe("the engineer's app's sign-in", () => {
  it('uses a public client of its own, with the code flow only (PKCE), returning to <origin>/app/ alone', () => {
    const client = resource(withApp.template, logicalId(withApp.stack.portal.appClient));
    const portalClient = resource(withApp.template, logicalId(withApp.stack.portal.userPoolClient));

    expect(client.Properties).toMatchObject({
      UserPoolId: { Ref: logicalId(withApp.stack.api.userPool) },
      ClientName: 'FieldOps-engineer-app',
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [appUrl],
      LogoutURLs: [appUrl],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(client.Properties.WriteAttributes.filter((name: string) => name.startsWith('custom:'))).toEqual([]);
    expect(JSON.stringify(portalClient.Properties.CallbackURLs)).not.toContain('/app/');
  });

  it("has its ID tokens accepted by the API's authorizer, and managed login pages of its own", () => {
    const [, authorizer] = onlyResource(withApp.template, 'AWS::ApiGatewayV2::Authorizer');
    const clientRef = { Ref: logicalId(withApp.stack.portal.appClient) };

    expect(authorizer.Properties.JwtConfiguration.Audience).toContainEqual(clientRef);
    expect(
      onlyResource(
        withApp.template,
        'AWS::Cognito::ManagedLoginBranding',
        (b) => b.Properties.ClientId.Ref === clientRef.Ref,
      )[1].Properties,
    ).toMatchObject({ UserPoolId: { Ref: logicalId(withApp.stack.api.userPool) }, UseCognitoProvidedValues: true });
  });

  it('leaves the AWS Solutions checks clean with the manifest deployment in place', () => {
    expect(nagFindings(withApp.stack)).toEqual([]);
  });
});

describe('the office console', () => {
  const officeUrl = {
    'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.any(String), 'DomainName'] }, '/office/']],
  };
  const officeBehavior = () =>
    distribution().CacheBehaviors.find((behavior: { PathPattern: string }) => behavior.PathPattern === '/office/*');
  const officeDeployment = () =>
    onlyResource(
      withApp.template,
      'Custom::CDKBucketDeployment',
      (deployment) => deployment.Properties.DestinationBucketKeyPrefix === 'office/',
    )[1];

  it('deploys office/ no-cache with a config.json naming the API, its own client and the live channel', () => {
    const deployment = officeDeployment();
    const config = deployedJson(withApp.outdir, deployment, 'config.json');
    const files = stagedSources(withApp.outdir, deployment).flatMap((source) => readdirSync(source));
    const live = logicalId(withApp.stack.live.eventApi);

    expect(files).toEqual(expect.arrayContaining([...readdirSync(join(repoRoot, 'office')), 'config.json']));
    expect(deployment.Properties.SystemMetadata['cache-control']).toBe('public, no-cache');
    expect(config).toMatchObject({
      auth: {
        mode: 'cognito',
        clientId: `{'Ref':'${logicalId(withApp.stack.portal.officeClient)}'}`,
        redirectUri: `https://{'Fn::GetAtt':['${logicalId(withApp.stack.portal.distribution)}','DomainName']}/office/`,
      },
      liveUrl: `wss://{'Fn::GetAtt':['${live}','Dns.Realtime']}/event/realtime`,
      liveHost: `{'Fn::GetAtt':['${live}','Dns.Http']}`,
      liveChannel: '/office/feed',
    });
  });

  it("deploys the libraries it loads (Leaflet's listed files) to office/vendor/, out of the console's prune", () => {
    const [, vendor] = onlyResource(
      withApp.template,
      'Custom::CDKBucketDeployment',
      (deployment) => deployment.Properties.DestinationBucketKeyPrefix === 'office/vendor/',
    );
    const files = stagedSources(withApp.outdir, vendor).flatMap((source) => readdirSync(source));

    expect(files.sort()).toEqual(Object.keys(officeVendorFiles).sort());
    expect(vendor.Properties.SystemMetadata['cache-control']).toBe('public, no-cache');
    expect(synced('vendor/leaflet.js', officeDeployment())).toBe(false);
    expect(synced('index.html', officeDeployment())).toBe(true);
  });

  it('is served under /office/* with its own CSP: the live channel in connect-src, the attachments in img-src', () => {
    const region = 'eu-west-2';
    const behavior = officeBehavior();
    const policy = resource(withApp.template, behavior.ResponseHeadersPolicyId.Ref).Properties
      .ResponseHeadersPolicyConfig;
    const csp = resolved(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy, {
      [logicalId(withApp.stack.storage.bucket)]: 'attachments',
      'AWS::Region': region,
      'AWS::URLSuffix': 'amazonaws.com',
    });
    const directives = new Map(
      csp.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)] as const),
    );

    expect(behavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] });
    expect(directives.get('connect-src')).toContain(`wss://*.appsync-realtime-api.${region}.amazonaws.com`);
    expect(directives.get('img-src')).toContain(`https://attachments.s3.${region}.amazonaws.com`);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(dependencyCycle(withApp.template)).toBeUndefined();
  });

  it('redirects /office to /office/, signs in with a client of its own returning there alone, and outputs its address', () => {
    const [, fn] = onlyResource(withApp.template, 'AWS::CloudFront::Function');
    const handler = runInNewContext(`${fn.Properties.FunctionCode}; handler`) as (event: unknown) => any;
    const client = resource(withApp.template, logicalId(withApp.stack.portal.officeClient));
    const outputs = Object.entries(withApp.template.toJSON().Outputs as Record<string, { Value: unknown }>);

    expect(handler({ request: { uri: '/office', headers: {} } })).toMatchObject({
      statusCode: 301,
      headers: { location: { value: '/office/' } },
    });
    expect(client.Properties).toMatchObject({
      ClientName: 'FieldOps-office',
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      CallbackURLs: [officeUrl],
      LogoutURLs: [officeUrl],
    });
    expect(outputs).toContainEqual([
      expect.stringMatching(/^PortalOfficeUrl/),
      expect.objectContaining({ Value: officeUrl, Description: 'The office console' }),
    ]);
  });
});
