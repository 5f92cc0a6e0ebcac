import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
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
import {
  appContentSecurityPolicy,
  officeContentSecurityPolicy,
  officeVendorFiles,
  portalContentSecurityPolicy,
} from './portal-policy.ts';

/** What the web form and the engineer's app need from the rest of the stack. */
export interface PortalProps {
  /**
   * The API the pages call; its user pool signs customers and engineers in, and its authorizer must accept the
   * pages' clients.
   */
  readonly api: Api;
  /** Where the portal's buckets write their S3 server access logs. */
  readonly accessLogs: IBucket;
  /**
   * The attachments bucket, which the engineer's app POSTs photos and signatures to, and the office console shows
   * them from (both through links the API presigns).
   */
  readonly attachments: IBucket;
  /** The office's live channel (infra/live.ts), which the office console subscribes to. */
  readonly live: { url: string; host: string; channel: string };
  /**
   * A domain of the business's own for the pages (`requests.example.com`), with an ACM certificate in us-east-1:
   * their addresses, their sign-ins' return addresses and their origin become that domain's.
   * @default the distribution's cloudfront.net name
   */
  readonly domain?: CustomDomain;
}

/**
 * The customer web form (`portal/`), the engineer's app (`app/`) and the office console (`office/`) in the cloud, as
 * they are served locally: one private bucket behind one CloudFront distribution (origin access control, HTTPS
 * only), each page under its own path and prefix with its own security headers (a Content-Security-Policy that lets
 * it call the API and Cognito only; the app the attachments bucket too, and the console the live channel and the
 * attachments' thumbnails), its own `config.json` written at deploy time,
 * and Cognito managed login for each (one domain, and a public app client each using the authorization code flow
 * with PKCE, whose ID tokens the API accepts).
 */
export class Portal extends Construct {
  /**
   * The pages' origin, `https://<distribution>.cloudfront.net` or `https://<custom domain>`: the API's CORS allows
   * it unless told otherwise.
   */
  readonly origin: string;
  /** The web form's address: `<origin>/portal/`. */
  readonly url: string;
  /** The engineer's app's address: `<origin>/app/`. */
  readonly appUrl: string;
  /** The office console's address: `<origin>/office/`. */
  readonly officeUrl: string;
  /** The office console's own public client: code flow with PKCE, returning to the console alone. */
  readonly officeClient: UserPoolClient;
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** The web form's app client. */
  readonly userPoolClient: UserPoolClient;
  /** The engineer's app's app client. */
  readonly appClient: UserPoolClient;
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

    // One origin for both paths: the files of each page are under its own prefix of the bucket.
    const files: BehaviorOptions = {
      origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      functionAssociations: [{ eventType: FunctionEventType.VIEWER_REQUEST, function: indexRewrite(this) }],
    };
    const apiOrigin = api.domainName ? `https://${api.domainName}` : regionalApiOrigins;
    const portalHeaders = securityHeaders(
      this,
      'SecurityHeaders',
      'FieldOps web form: security headers',
      portalContentSecurityPolicy([apiOrigin, this.domain.baseUrl()]),
    );
    const appHeaders = securityHeaders(
      this,
      'AppSecurityHeaders',
      "FieldOps engineer's app: security headers",
      appContentSecurityPolicy([apiOrigin, this.domain.baseUrl(), uploadOrigin(props.attachments)]),
    );
    const officeHeaders = securityHeaders(
      this,
      'OfficeSecurityHeaders',
      'FieldOps office console: security headers',
      officeContentSecurityPolicy(
        [apiOrigin, this.domain.baseUrl(), regionalLiveOrigins],
        [uploadOrigin(props.attachments)],
      ),
    );
    this.distribution = new Distribution(this, 'Cdn', {
      comment: "FieldOps customer web form and engineer's app",
      defaultBehavior: { ...files, responseHeadersPolicy: portalHeaders },
      additionalBehaviors: {
        // The managed policy's minimum TTL is one second: the app's files say no-cache (below), and CloudFront then
        // keeps each for that second only.
        '/app/*': { ...files, responseHeadersPolicy: appHeaders, cachePolicy: CachePolicy.CACHING_OPTIMIZED },
        '/office/*': { ...files, responseHeadersPolicy: officeHeaders, cachePolicy: CachePolicy.CACHING_OPTIMIZED },
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
    this.appUrl = `${this.origin}/app/`;
    this.officeUrl = `${this.origin}/office/`;

    this.userPoolClient = signInClient(this, 'Client', 'SignInBranding', { api, url: this.url });
    // The engineer's app has a client of its own rather than a second return address on the web form's: the
    // business sees it by name in the console and can change or stop engineers' sign-in (its return address, its
    // token lifetimes: an engineer may be out of signal all day) without touching customers', and neither page's
    // sign-in can be returned to the other. It costs two resources of the stack (the client and its managed login
    // style), which has room for them (test/infra/structure.test.ts).
    this.appClient = signInClient(this, 'AppClient', 'AppSignInBranding', {
      api,
      url: this.appUrl,
      name: `${stack.stackName}-engineer-app`,
    });
    // The office console's, for the same reasons: office staff's sign-in is changed or stopped apart from the others.
    this.officeClient = signInClient(this, 'OfficeClient', 'OfficeSignInBranding', {
      api,
      url: this.officeUrl,
      name: `${stack.stackName}-office`,
    });

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

    const appFiles = Source.asset(join(repoRoot, 'app'));
    // Every file of the app says no-cache (revalidate each time), sw.js and all. The service worker keeps the app on
    // the phone, so these are fetched when it checks for a new version and installs it, and they must then be that
    // version: with the web form's five minutes, a phone that updated just after a deployment would keep the edge's
    // copy of yesterday's app.js under today's sw.js until the next one.
    const appCacheControl = [CacheControl.setPublic(), CacheControl.noCache()];
    // The prefixes are disjoint (`portal/`, `app/`, `common/`, `office/`), so each deployment's prune deletes only its own page's files;
    // within `app/` the manifest is the second deployment's, excluded from the first, whose prune then spares it.
    const manifests = '*.webmanifest';
    const appDeployment = new BucketDeployment(this, 'AppDeployment', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'app/',
      sources: [
        appFiles,
        Source.jsonData('config.json', {
          apiUrl: api.url,
          auth: {
            mode: 'cognito',
            domain: this.domain.baseUrl(),
            clientId: this.appClient.userPoolClientId,
            redirectUri: this.appUrl,
          },
        }),
      ],
      exclude: [manifests],
      cacheControl: appCacheControl,
      role: deployRole,
      logGroup: deployLogs,
    });
    // The sign-in both pages import (`/common/sign-in.js`), revalidated each time as the app's files are: a phone's
    // service worker keeps it with the app, and must fetch the version that goes with the new one.
    const commonDeployment = new BucketDeployment(this, 'CommonDeployment', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'common/',
      sources: [Source.asset(join(repoRoot, 'common'))],
      cacheControl: appCacheControl,
      role: deployRole,
      logGroup: deployLogs,
    });
    // The AWS CLI guesses each file's type from its name with the handler's Python (its mimetypes, which the Lambda
    // image's /etc/mime.types may amend): the manifest's is set instead, so that it does not depend on either. Like
    // every bucket deployment after the first, it brings a copy of CDK's AWS CLI layer that the shared handler does
    // not use: one more layer version, which costs nothing.
    const manifestDeployment = new BucketDeployment(this, 'AppManifestDeployment', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'app/',
      sources: [appFiles],
      exclude: ['*'],
      include: [manifests],
      contentType: 'application/manifest+json',
      cacheControl: appCacheControl,
      role: deployRole,
      logGroup: deployLogs,
    });
    // The office console, revalidated as the app is (a console left open all day picks up a release on its next
    // load), with its config naming the live channel it subscribes to.
    const officeDeployment = new BucketDeployment(this, 'OfficeDeployment', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'office/',
      sources: [
        Source.asset(join(repoRoot, 'office')),
        Source.jsonData('config.json', {
          apiUrl: api.url,
          auth: {
            mode: 'cognito',
            domain: this.domain.baseUrl(),
            clientId: this.officeClient.userPoolClientId,
            redirectUri: this.officeUrl,
          },
          liveUrl: props.live.url,
          liveHost: props.live.host,
          liveChannel: props.live.channel,
        }),
      ],
      // The library files are the next deployment's, under `office/vendor/`: this one's prune spares them.
      exclude: ['vendor/*'],
      cacheControl: appCacheControl,
      role: deployRole,
      logGroup: deployLogs,
    });
    // The libraries the console loads with no build step (the map's Leaflet), from the installed packages.
    const resolve = createRequire(import.meta.url).resolve;
    const vendorDeployment = new BucketDeployment(this, 'OfficeVendorDeployment', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'office/vendor/',
      sources: Object.entries(officeVendorFiles).map(([name, file]) =>
        Source.data(name, readFileSync(resolve(file), 'utf8')),
      ),
      cacheControl: appCacheControl,
      role: deployRole,
      logGroup: deployLogs,
    });
    acknowledgeDeployments(
      [deployment, appDeployment, commonDeployment, manifestDeployment, officeDeployment, vendorDeployment],
      deployRole,
      this.bucket,
    );

    new CfnOutput(this, 'Url', { value: this.url, description: 'The customer web form' });
    new CfnOutput(this, 'AppUrl', { value: this.appUrl, description: "The engineer's app" });
    new CfnOutput(this, 'OfficeUrl', { value: this.officeUrl, description: 'The office console' });
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

/**
 * The office console may subscribe to AppSync Event APIs of the stack's region, for the same reason: the channel's
 * authorizer names the pages' sign-in clients, whose return addresses name the distribution, so the distribution's
 * headers naming the channel would make each wait for the other.
 */
const regionalLiveOrigins = `wss://*.appsync-realtime-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;

/**
 * Where the engineer's app POSTs photos and signatures: the URL the API presigns them for
 * (shared/attachments/storage.ts) is the SDK's default endpoint for the bucket, virtual-hosted and regional,
 * `https://<bucket>.s3.<region>.amazonaws.com/` (a name CloudFormation generates has no dots, so it is never
 * path-style). The bucket names nothing of the distribution, so the app's headers may name it without a cycle.
 */
const uploadOrigin = (bucket: IBucket) => `https://${bucket.bucketName}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`;

/** HSTS, nosniff, no framing, no referrer (the sign-in code is in the URL) and the page's CSP. */
function securityHeaders(
  scope: Construct,
  id: string,
  comment: string,
  contentSecurityPolicy: string,
): ResponseHeadersPolicy {
  return new ResponseHeadersPolicy(scope, id, {
    comment,
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy, override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
    },
  });
}

/**
 * The pages live under `/portal/` and `/app/` as they do locally: `/` and `/portal` redirect to the web form, `/app`
 * to the engineer's app, and a path ending in `/` serves that folder's index.html (the bucket is private, so S3
 * itself has no index documents to offer).
 */
function indexRewrite(scope: Construct): ViewerFunction {
  return new ViewerFunction(scope, 'IndexRewrite', {
    runtime: FunctionRuntime.JS_2_0,
    comment: 'Redirects / and /portal to /portal/, /app and /office to theirs, serves index.html for folder paths',
    code: FunctionCode.fromInline(`var folders = { '/': '/portal/', '/portal': '/portal/', '/app': '/app/', '/office': '/office/' };

function handler(event) {
  var request = event.request;
  var folder = folders[request.uri];
  if (folder) {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: folder } } };
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
 * CDK's bucket deployments run one singleton function per stack that it builds itself (Python, with the AWS CLI
 * layer), with the role of the first: its runtime and its grants on the asset and destination buckets are not ours
 * to choose.
 */
function acknowledgeDeployments(deployments: BucketDeployment[], role: IConstruct, destination: IBucket): void {
  const handler = Stack.of(role).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  // The sources are staged as assets in the CDK bootstrap bucket, which the handler reads: one bucket for them all.
  const staged = deployments[0]?.node.children.find((child) => child instanceof Asset);
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
      reason: 'The handler only copies the pages’ files at deploy time, outside any request there would be to trace.',
    },
  );
  const reason = 'The deployments copy the files from the CDK asset bucket into the pages’ bucket only.';
  for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
  }
  for (const bucket of [staged.bucket, destination]) acknowledgeWildcard(role, `${bucket.bucketArn}/*`, reason);
}

/**
 * A page's Cognito app client, accepted by the API, with the managed login style without which managed login shows
 * it no page: public (a browser cannot keep a secret, so PKCE protects the code exchange instead), the code flow
 * only, returning to the page's address alone, and the custom attributes left to administrators (they are
 * authorisation data), as the API's own client.
 */
function signInClient(
  scope: Construct,
  id: string,
  brandingId: string,
  options: { api: Api; url: string; name?: string },
): UserPoolClient {
  const client = new UserPoolClient(scope, id, {
    userPool: options.api.userPool,
    userPoolClientName: options.name,
    generateSecret: false,
    authFlows: { userSrp: true },
    preventUserExistenceErrors: true,
    supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
    oAuth: {
      flows: { authorizationCodeGrant: true },
      scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
      callbackUrls: [options.url],
      logoutUrls: [options.url],
    },
    idTokenValidity: Duration.hours(1),
    accessTokenValidity: Duration.hours(1),
    writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true, phoneNumber: true }),
  });
  new CfnManagedLoginBranding(scope, brandingId, {
    userPoolId: options.api.userPool.userPoolId,
    clientId: client.userPoolClientId,
    useCognitoProvidedValues: true,
  });
  options.api.acceptClient(client);
  return client;
}
