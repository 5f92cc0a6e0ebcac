import { join } from 'node:path';
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  Function as ViewerFunction,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  CfnManagedLoginBranding,
  ClientAttributes,
  ManagedLoginVersion,
  OAuthScope,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import type { Api } from './api.ts';
import type { CustomDomain } from './deploy-options.ts';
import { acknowledgeWildcard, repoRoot } from './lambda.ts';
import { portalContentSecurityPolicy } from './portal-policy.ts';

/** What the web form needs from the rest of the stack. */
export interface PortalProps {
  /** The API the page calls; its user pool signs customers in, and its authorizer must accept the page's client. */
  readonly api: Api;
  /** Where the portal's buckets write their S3 server access logs. */
  readonly accessLogs: IBucket;
  /**
   * A domain of the business's own for the page (`requests.example.com`), with an ACM certificate in us-east-1:
   * the page's address, its sign-in's return address and its origin become that domain's.
   * @default the distribution's cloudfront.net name
   */
  readonly domain?: CustomDomain;
}

/**
 * The customer web form (`portal/`) in the cloud: a private bucket behind CloudFront (origin access control, HTTPS
 * only, security headers with a Content-Security-Policy that lets the page call the API and Cognito only), its
 * `config.json` written at deploy time, and Cognito managed login for it (a domain and a public app client using
 * the authorization code flow with PKCE, whose ID tokens the API accepts).
 */
export class Portal extends Construct {
  /**
   * The page's origin, `https://<distribution>.cloudfront.net` or `https://<custom domain>`: the API's CORS allows
   * it unless told otherwise.
   */
  readonly origin: string;
  /** The page's address: `<origin>/portal/`. */
  readonly url: string;
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly userPoolClient: UserPoolClient;
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: PortalProps) {
    super(scope, id);
    const { api } = props;

    // The files can be deployed again from the repository at any time; kept on stack deletion like every bucket.
    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'portal/',
    });
    // CloudFront's standard logs are written with object ACLs, which the stack's access-logs bucket disables.
    const cdnLogs = new Bucket(this, 'CdnLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'portal-cdn-logs/',
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });

    // A domain prefix must be unique in the region: the stack's own UUID makes it so, and keeps it across updates.
    // It starts with the stack's name (`fieldops`, `fieldops-staging`), so each stage's sign-in says which it is;
    // the default stage's prefix stays what it always was, as a pool's domain cannot be replaced in place.
    const stack = Stack.of(this);
    this.domain = new UserPoolDomain(this, 'SignIn', {
      userPool: api.userPool,
      cognitoDomain: {
        domainPrefix: Fn.join('-', [stack.stackName.toLowerCase(), Fn.select(2, Fn.split('/', Aws.STACK_ID))]),
      },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'FieldOps customer web form',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        responseHeadersPolicy: securityHeaders(this, [
          api.domainName ? `https://${api.domainName}` : regionalApiOrigins,
          this.domain.baseUrl(),
        ]),
        functionAssociations: [{ eventType: FunctionEventType.VIEWER_REQUEST, function: indexRewrite(this) }],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      // North America and Europe edges only: the cheapest class; viewers elsewhere are still served, from those.
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: cdnLogs,
      logFilePrefix: 'cloudfront/',
      ...(props.domain && {
        domainNames: [props.domain.domainName],
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
    });
    acknowledgeDistribution(this.distribution, { ownCertificate: props.domain !== undefined });
    this.origin = `https://${props.domain?.domainName ?? this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/portal/`;

    this.userPoolClient = new UserPoolClient(this, 'Client', {
      userPool: api.userPool,
      // A browser cannot keep a secret: PKCE protects the code exchange instead.
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [this.url],
        logoutUrls: [this.url],
      },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      // As the API's own client: the custom attributes are authorisation data, set by administrators only.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true, phoneNumber: true }),
    });
    new CfnManagedLoginBranding(this, 'SignInBranding', {
      userPoolId: api.userPool.userPoolId,
      clientId: this.userPoolClient.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    api.acceptClient(this.userPoolClient);

    const deployLogs = new LogGroup(this, 'DeploymentLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role keeps out the AWS-managed basic execution policy, which may write to every log group.
    const deployRole = new Role(this, 'DeploymentRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    deployLogs.grantWrite(deployRole);
    const deployment = new BucketDeployment(this, 'Deployment', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'portal/',
      sources: [
        Source.asset(join(repoRoot, 'portal')),
        Source.jsonData('config.json', {
          apiUrl: api.url,
          auth: {
            mode: 'cognito',
            domain: this.domain.baseUrl(),
            clientId: this.userPoolClient.userPoolClientId,
            redirectUri: this.url,
          },
        }),
      ],
      // Names carry no content hash, so a new deployment shows within five minutes without an invalidation.
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.minutes(5))],
      role: deployRole,
      logGroup: deployLogs,
    });
    acknowledgeDeployment(deployment, deployRole, this.bucket);

    new CfnOutput(this, 'Url', { value: this.url, description: 'The customer web form' });
    // No Route 53 record: the business's DNS may be anywhere, so it points its own record here (docs/DEPLOY.md).
    if (props.domain)
      new CfnOutput(this, 'DomainTarget', {
        value: this.distribution.distributionDomainName,
        description: `Point a CNAME record (or an alias) for ${props.domain.domainName} at this name`,
      });
  }
}

/**
 * The page may call HTTP APIs of the stack's region, not this API alone: the API's CORS names the distribution's
 * origin, so the distribution's headers naming the API would make each wait for the other to exist. An API on a
 * custom domain is named instead: its name is known before either exists.
 */
const regionalApiOrigins = `https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;

/** HSTS, nosniff, no framing, no referrer (the sign-in code is in the URL) and the page's CSP. */
function securityHeaders(scope: Construct, connectSources: string[]): ResponseHeadersPolicy {
  return new ResponseHeadersPolicy(scope, 'SecurityHeaders', {
    comment: 'FieldOps web form: security headers',
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy: portalContentSecurityPolicy(connectSources), override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
    },
  });
}

/**
 * The page lives under `/portal/` as it does locally: `/` and `/portal` redirect there, and a path ending in `/`
 * serves that folder's index.html (the bucket is private, so S3 itself has no index documents to offer).
 */
function indexRewrite(scope: Construct): ViewerFunction {
  return new ViewerFunction(scope, 'IndexRewrite', {
    runtime: FunctionRuntime.JS_2_0,
    comment: 'Redirects / and /portal to /portal/, serves index.html for folder paths',
    code: FunctionCode.fromInline(`function handler(event) {
  var request = event.request;
  if (request.uri === '/' || request.uri === '/portal') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/portal/' } } };
  }
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}`),
  });
}

function acknowledgeDistribution(distribution: Distribution, options: { ownCertificate: boolean }): void {
  Validations.of(distribution).acknowledge(
    {
      id: 'AwsSolutions-CFR1',
      reason: "The page serves only static files to a business's customers, wherever they are; the API authorises.",
    },
    {
      id: 'AwsSolutions-CFR2',
      reason: 'A WAF web ACL bills monthly even when idle; the page is static and the API stage throttles requests.',
    },
  );
  // With the business's own certificate the distribution requires TLSv1.2_2021, and there is no finding.
  if (options.ownCertificate) return;
  Validations.of(distribution).acknowledge({
    id: 'AwsSolutions-CFR4',
    reason:
      "The distribution answers on its cloudfront.net name, whose default certificate fixes CloudFront's TLS floor; " +
      'a business adding its own domain and ACM certificate (-c portalDomain) gets TLSv1.2_2021.',
  });
}

/**
 * CDK's bucket deployment runs one singleton function per stack that it builds itself (Python, with the AWS CLI
 * layer): its runtime and its grants on the asset and destination buckets are not ours to choose.
 */
function acknowledgeDeployment(deployment: BucketDeployment, role: IConstruct, destination: IBucket): void {
  const handler = Stack.of(deployment).node.children.find((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  // The sources are staged as assets in the CDK bootstrap bucket, which the handler reads.
  const staged = deployment.node.children.find((child) => child instanceof Asset);
  if (!handler || !(staged instanceof Asset)) throw new Error('CDK did not create the bucket deployment handler.');
  const runtimeReason =
    "CDK pins the bucket deployment handler's Python runtime to the one its AWS CLI layer is built for.";
  Validations.of(handler).acknowledge(
    { id: 'AwsSolutions-L1', reason: runtimeReason },
    { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
    {
      id: 'Serverless-LambdaDLQ',
      reason: 'CloudFormation awaits the handler’s answer to each deployment and fails the stack update without one.',
    },
    {
      id: 'Serverless-LambdaTracing',
      reason: 'The handler only copies the page’s files at deploy time, outside any request there would be to trace.',
    },
  );
  const reason = 'The deployment copies the files from the CDK asset bucket into the web form bucket only.';
  for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
  }
  for (const bucket of [staged.bucket, destination]) acknowledgeWildcard(role, `${bucket.bucketArn}/*`, reason);
}
