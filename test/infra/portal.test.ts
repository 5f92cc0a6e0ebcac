import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldOpsStack } from '#infra/stack.ts';
import { synthFieldOps } from './synth.ts';
import {
  type CfnResource,
  isSpecificReason,
  logicalIdOf,
  nagAcknowledgements,
  nagFindings,
  onlyResource,
  resource,
} from './template.ts';

let stack: FieldOpsStack;
let template: Template;
let outdir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ stack, template, outdir, cleanup } = synthFieldOps());
});

afterAll(() => cleanup());

const logicalId = (construct: IConstruct) => logicalIdOf(stack, construct);
const only = (type: string, filter?: (resource: CfnResource) => boolean) => onlyResource(template, type, filter);

const distribution = () => only('AWS::CloudFront::Distribution')[1].Properties.DistributionConfig;
/** The deployment of the web form's files: the engineer's app has its own (test/infra/engineer-app.test.ts). */
const portalDeployment = () =>
  only('Custom::CDKBucketDeployment', (d) => d.Properties.DestinationBucketKeyPrefix === 'portal/');
const portalUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.any(String), 'DomainName'] }, '/portal/']] };

describe('the web form hosting', () => {
  it('keeps the files in a private, encrypted bucket, reachable over TLS only, with its access logged', () => {
    const bucketId = logicalId(stack.portal.bucket);
    const bucket = resource(template, bucketId);
    const [, policy] = only('AWS::S3::BucketPolicy', (p) => p.Properties.Bucket.Ref === bucketId);

    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalId(stack.storage.accessLogs) },
        LogFilePrefix: 'portal/',
      },
    });
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('lets only its CloudFront distribution read the files, through origin access control', () => {
    const bucketId = logicalId(stack.portal.bucket);
    const [distributionId] = only('AWS::CloudFront::Distribution');
    const [oacId, oac] = only('AWS::CloudFront::OriginAccessControl');
    const [, policy] = only('AWS::S3::BucketPolicy', (p) => p.Properties.Bucket.Ref === bucketId);
    const reads = policy.Properties.PolicyDocument.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow');

    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    expect(distribution().Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
    expect(reads).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: { StringEquals: { 'AWS:SourceArn': expect.objectContaining({ 'Fn::Join': expect.anything() }) } },
      }),
    ]);
    expect(JSON.stringify(reads[0].Condition)).toContain(`{"Ref":"${distributionId}"}`);
  });

  it('redirects HTTP to HTTPS, serves GET and HEAD only, and logs every request', () => {
    const config = distribution();

    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
    });
    expect(config.Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [expect.any(String), 'RegionalDomainName'] },
      Prefix: 'cloudfront/',
    });
    const logBucket = resource(template, config.Logging.Bucket['Fn::GetAtt'][0]);
    // CloudFront's standard logs are delivered with object ACLs.
    expect(logBucket.Properties.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerPreferred' }]);
  });

  it("sends HSTS, nosniff, no framing, no referrer, and a CSP letting the page call only the region's APIs and Cognito", () => {
    const [policyId, policy] = only(
      'AWS::CloudFront::ResponseHeadersPolicy',
      (p) => p.Properties.ResponseHeadersPolicyConfig.Comment === 'FieldOps web form: security headers',
    );
    const headers = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);

    expect(distribution().DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    expect(headers).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    expect(csp).toContain("script-src 'self'; style-src 'self'");
    expect(csp).toContain("connect-src 'self' ");
    // Not the API by name: its CORS names this distribution, which would then wait for the API and it for it.
    expect(csp).toContain(
      `connect-src 'self' https://*.execute-api.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"}`,
    );
    expect(csp).toContain(`" https://",{"Ref":"${logicalId(stack.portal.domain)}"},".auth."`);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('serves /portal/ from its index.html and redirects / and /portal there', () => {
    const [functionId, fn] = only('AWS::CloudFront::Function');
    const handler = runInNewContext(`${fn.Properties.FunctionCode}; handler`) as (event: unknown) => any;
    const viewerRequest = (uri: string) => handler({ request: { uri, headers: {} } });

    expect(distribution().DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
    expect(viewerRequest('/portal/').uri).toBe('/portal/index.html');
    expect(viewerRequest('/portal/portal.js').uri).toBe('/portal/portal.js');
    for (const uri of ['/', '/portal']) {
      expect(viewerRequest(uri)).toMatchObject({ statusCode: 301, headers: { location: { value: '/portal/' } } });
    }
  });

  it("deploys the page's files and a config.json pointing it at the API and the stack's Cognito sign-in", () => {
    const [, deployment] = portalDeployment();
    const { SourceObjectKeys: keys, SourceMarkers: markers } = deployment.Properties;
    const staged = (index: number) => join(outdir, `asset.${String(keys[index]).replace(/\.zip$/, '')}`);
    // The deployment writes each marker's value in its place; here, its CloudFormation expression as JSON.
    const config = JSON.parse(
      readFileSync(join(staged(1), 'config.json'), 'utf8').replace(/<<marker:0xbaba:\d+>>/g, (marker: string) =>
        JSON.stringify(markers[1][marker]).replaceAll('"', "'"),
      ),
    );

    expect(deployment.Properties).toMatchObject({
      DestinationBucketName: { Ref: logicalId(stack.portal.bucket) },
      DestinationBucketKeyPrefix: 'portal/',
      Prune: true,
    });
    for (const file of ['index.html', 'portal.js', 'portal.css']) expect(existsSync(join(staged(0), file))).toBe(true);
    expect(config).toEqual({
      apiUrl: `https://{'Ref':'${logicalId(stack.api.httpApi)}'}.execute-api.{'Ref':'AWS::Region'}.{'Ref':'AWS::URLSuffix'}/`,
      auth: {
        mode: 'cognito',
        domain: `https://{'Ref':'${logicalId(stack.portal.domain)}'}.auth.{'Ref':'AWS::Region'}.amazoncognito.com`,
        clientId: `{'Ref':'${logicalId(stack.portal.userPoolClient)}'}`,
        redirectUri: `https://{'Fn::GetAtt':['${logicalId(stack.portal.distribution)}','DomainName']}/portal/`,
      },
    });
  });

  it('outputs the address of the page', () => {
    const outputs = Object.entries(template.toJSON().Outputs as Record<string, { Value: unknown }>);

    expect(outputs).toContainEqual([
      expect.stringMatching(/^PortalUrl/),
      expect.objectContaining({ Value: portalUrl }),
    ]);
  });
});

describe("the web form's sign-in", () => {
  it('is managed login on a domain of the stack, named after its unique stack id', () => {
    const [domainId, domain] = only('AWS::Cognito::UserPoolDomain');
    const [, branding] = only(
      'AWS::Cognito::ManagedLoginBranding',
      (b) => b.Properties.ClientId.Ref === logicalId(stack.portal.userPoolClient),
    );

    expect(domain.Properties).toMatchObject({
      ManagedLoginVersion: 2,
      UserPoolId: { Ref: logicalId(stack.api.userPool) },
      Domain: {
        'Fn::Join': ['-', ['fieldops', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]],
      },
    });
    expect(domainId).toBe(logicalId(stack.portal.domain));
    expect(branding.Properties).toMatchObject({
      ClientId: { Ref: logicalId(stack.portal.userPoolClient) },
      UseCognitoProvidedValues: true,
    });
  });

  it('uses a public client with the code flow (PKCE, no secret), returning to the page only', () => {
    const client = resource(template, logicalId(stack.portal.userPoolClient));

    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [portalUrl],
      LogoutURLs: [portalUrl],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(client.Properties.AllowedOAuthFlows).not.toContain('implicit');
    expect(client.Properties.WriteAttributes.filter((name: string) => name.startsWith('custom:'))).toEqual([]);
  });

  it("has its ID tokens accepted by the API's authorizer", () => {
    const [, authorizer] = only('AWS::ApiGatewayV2::Authorizer');

    expect(authorizer.Properties.JwtConfiguration.Audience).toContainEqual({
      Ref: logicalId(stack.portal.userPoolClient),
    });
  });
});

describe("the web form's AWS Solutions checks", () => {
  const isPortal = (path: string) => path.includes('/Portal/') || path.includes('Custom::CDKBucketDeployment');

  it('leave no finding unacknowledged', () => {
    expect(nagFindings(stack).filter((finding) => isPortal(finding.path))).toEqual([]);
  });

  it('acknowledge only geo restriction, WAF and the default certificate on the distribution, with reasons', () => {
    const acknowledged = nagAcknowledgements(stack).filter((ack) => isPortal(ack.path));
    const onDistribution = acknowledged.filter((ack) => ack.path === stack.portal.distribution.node.path);

    expect(onDistribution.map((ack) => ack.id).sort()).toEqual([
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR4',
    ]);
    for (const ack of acknowledged) expect(isSpecificReason(ack.reason), `${ack.id}: ${ack.reason}`).toBe(true);
  });
});
