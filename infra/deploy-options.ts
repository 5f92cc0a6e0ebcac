import type { App } from 'aws-cdk-lib';
import type { ExistingTable } from './storage.ts';

/**
 * The deployment options a business passes as CDK context (`npx cdk deploy -c name=value`, or `context` in
 * cdk.json), each read and checked here: a value that cannot work fails synthesis with a message saying what it
 * must be, before anything is deployed. docs/DEPLOY.md lists them all.
 */

/** The stack of the default stage; a named stage's is `FieldOps-<stage>`. */
export const baseStackName = 'FieldOps';

/**
 * A stage name: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, at most
 * 16 characters. Every physical name of the deployment derives from the stack name, and the tightest of them is the
 * Cognito sign-in domain prefix (`fieldops-<stage>-<stack id>`, 63 characters at most, which may not contain
 * `aws`, `amazon` or `cognito`).
 */
const stagePattern = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;
const reservedInDomainPrefix = /aws|amazon|cognito/;

/** The stack name of the stage `-c stage=<name>` names. */
export function stackNameFromContext(app: App): string {
  return stackNameOf(contextString(app, 'stage'));
}

/** The stack name of a stage: `FieldOps` for none (the deployment as it always was), else `FieldOps-<stage>`. */
export function stackNameOf(stage?: string): string {
  if (stage === undefined) return baseStackName;
  if (!stagePattern.test(stage) || reservedInDomainPrefix.test(stage))
    throw new Error(
      `Stage "${stage}" is not a stage name: use 1 to 16 lowercase letters, digits and hyphens, starting with a ` +
        'letter, not ending with a hyphen, and without "aws", "amazon" or "cognito" (staging, test, eu-2).',
    );
  return `${baseStackName}-${stage}`;
}

/** A domain of the business's own that a part of the stack answers on, with the ACM certificate it serves. */
export interface CustomDomain {
  /** `api.example.com`: the name clients use, lowercase. */
  readonly domainName: string;
  /** ARN of an issued ACM certificate covering `domainName`. */
  readonly certificateArn: string;
}

const hostnamePattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const certificateArnPattern = /^arn:aws(?:-[a-z]+)*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/;

/**
 * The custom domain of `<part>Domain` and `<part>CertificateArn`, or undefined when neither is set. One without the
 * other, a name that is not a DNS name, or an ARN that is not an ACM certificate's in `certificateRegion` fails.
 * `certificateRegion` unknown (an environment-agnostic synth) checks the ARN's form alone.
 */
export function customDomainOf(
  app: App,
  part: 'api' | 'portal',
  certificateRegion: string | undefined,
): CustomDomain | undefined {
  const domainKey = `${part}Domain`;
  const certificateKey = `${part}CertificateArn`;
  const domainName = contextString(app, domainKey)?.toLowerCase();
  const certificateArn = contextString(app, certificateKey);
  if (domainName === undefined && certificateArn === undefined) return undefined;
  if (domainName === undefined)
    throw new Error(`Context ${certificateKey} needs ${domainKey}: the domain name the certificate is for.`);
  if (certificateArn === undefined)
    throw new Error(
      `Context ${domainKey} needs ${certificateKey}: the ARN of an issued ACM certificate for ${domainName}` +
        (part === 'portal' ? ', in us-east-1 (CloudFront takes certificates from there only).' : '.'),
    );
  if (!hostnamePattern.test(domainName))
    throw new Error(`Context ${domainKey} must be a domain name such as ${part}.example.com, not "${domainName}".`);
  const region = certificateArnPattern.exec(certificateArn)?.[1];
  if (region === undefined)
    throw new Error(
      `Context ${certificateKey} must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), ` +
        `not "${certificateArn}".`,
    );
  if (certificateRegion !== undefined && region !== certificateRegion)
    throw new Error(
      part === 'portal'
        ? `Context ${certificateKey} must name a certificate in us-east-1, not ${region}: CloudFront takes ` +
            'certificates from us-east-1 only. Request or import the certificate there.'
        : `Context ${certificateKey} must name a certificate in ${certificateRegion}, the stack's region, not ` +
            `${region}: a regional API domain takes a certificate of its own region.`,
    );
  return { domainName, certificateArn };
}

const tableNamePattern = /^[A-Za-z0-9_.-]{3,255}$/;
const streamArnPattern = /^arn:aws(?:-[a-z]+)*:dynamodb:[a-z0-9-]+:\d{12}:table\/([A-Za-z0-9_.-]{3,255})\/stream\/\S+$/;

/**
 * The table of `tableName` and `tableStreamArn` (a restored table to use instead of a new one), or undefined when
 * neither is set. The domain events read the table's stream, so the one needs the other, and the stream must be
 * the table's own.
 */
export function existingTableOf(app: App): ExistingTable | undefined {
  const tableName = contextString(app, 'tableName');
  const tableStreamArn = contextString(app, 'tableStreamArn');
  if (tableName === undefined && tableStreamArn === undefined) return undefined;
  if (tableName === undefined) throw new Error('Context tableStreamArn needs tableName: the table whose stream it is.');
  if (!tableNamePattern.test(tableName))
    throw new Error(
      `Context tableName must be a DynamoDB table name (3 to 255 letters, digits, _ . -), not "${tableName}".`,
    );
  if (tableStreamArn === undefined)
    throw new Error(
      `Context tableName needs tableStreamArn: the domain events read the table's stream. Enable a NEW_IMAGE stream ` +
        `on ${tableName} and pass its LatestStreamArn (docs/DEPLOY.md, "Restore").`,
    );
  const streamOf = streamArnPattern.exec(tableStreamArn)?.[1];
  if (streamOf === undefined)
    throw new Error(
      'Context tableStreamArn must be a DynamoDB stream ARN ' +
        `(arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>), not "${tableStreamArn}".`,
    );
  if (streamOf !== tableName)
    throw new Error(`Context tableStreamArn is the stream of table ${streamOf}, not of tableName ${tableName}.`);
  return { tableName, tableStreamArn };
}

/**
 * Where customers' e-mail comes from (`notificationsFrom`), the SES identity that lets it (`notificationsIdentity`)
 * and where the office's own notifications go (`officeEmail`).
 */
export interface EmailSender {
  /** The From header as every message carries it: `Northwest Heating <notifications@example.com>`, or an address. */
  readonly from: string;
  /** The address alone, its domain lowercase: `notifications@example.com`. */
  readonly address: string;
  /** The address's domain: `example.com`. */
  readonly domain: string;
  /** What SES verifies, and the stack makes (see `SenderIdentity`). */
  readonly identity: SenderIdentity;
  /** Where office notifications are e-mailed. @default none: they are not e-mailed */
  readonly officeEmail?: string;
}

/**
 * The SES identity messages are sent as. `domain`: the stack makes the domain's identity with Easy DKIM, and outputs
 * the three CNAME records that verify it (and sign every message). `address`: the stack makes an identity of the
 * address alone, and SES e-mails it a link to click; for a business that cannot add DNS records (messages are then
 * signed with SES's own domain, and may fail DMARC where the domain publishes a strict policy). `existing`: the
 * domain (or the address) is an SES identity of the account and region already, made for e-mail intake or by
 * another stage; the stack makes none and sends as it, since CloudFormation cannot make an identity twice.
 */
export type SenderIdentity = 'domain' | 'address' | 'existing';
const senderIdentities: readonly SenderIdentity[] = ['domain', 'address', 'existing'];

/**
 * An address SES and IAM both take as it is written: letters, digits and `. _ % + -` before the `@`, a DNS name
 * after it. No `*` or `?`: the address is a pattern in the sending grant's condition.
 */
const addressPattern = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]+$/;
/**
 * A display name a From header carries without quoting or encoding: ASCII letters, digits, spaces and `. & ' -`.
 * Anything else (a comma, non-ASCII letters) must be quoted or MIME-encoded, which SES leaves to the sender.
 */
const displayNamePattern = /^[A-Za-z0-9](?:[A-Za-z0-9 .&'-]{0,62}[A-Za-z0-9.])?$/;

/**
 * The e-mail sender of `notificationsFrom`, `notificationsIdentity` and `officeEmail`, or undefined when none is set.
 * The identity and the office address need the From address; every value must be one SES can send.
 */
export function emailSenderOf(app: App): EmailSender | undefined {
  const from = contextString(app, 'notificationsFrom');
  const identity = contextString(app, 'notificationsIdentity');
  const officeEmail = contextString(app, 'officeEmail');
  if (from === undefined) {
    if (identity !== undefined)
      throw new Error('Context notificationsIdentity needs notificationsFrom: the address whose identity it is.');
    if (officeEmail !== undefined)
      throw new Error('Context officeEmail needs notificationsFrom: the address office notifications are sent from.');
    return undefined;
  }
  const [, name, bracketed] = /^(.*?)\s*<([^<>]*)>$/.exec(from) ?? [undefined, undefined, from];
  const address = normalisedAddress(bracketed ?? '');
  if (address === undefined || (name && !displayNamePattern.test(name)))
    throw new Error(
      'Context notificationsFrom must be an e-mail address, or a name and an address such as ' +
        `"Northwest Heating <notifications@example.com>" (the name in ASCII letters, digits, spaces and . & ' -), ` +
        `not "${from}".`,
    );
  if (identity !== undefined && !senderIdentities.includes(identity as SenderIdentity))
    throw new Error(
      `Context notificationsIdentity must be domain (the default: verified by DKIM records), address (verified by ` +
        `a link SES e-mails it) or existing (an SES identity already), not "${identity}".`,
    );
  const office = officeEmail === undefined ? undefined : normalisedAddress(officeEmail);
  if (officeEmail !== undefined && office === undefined)
    throw new Error(`Context officeEmail must be an e-mail address such as office@example.com, not "${officeEmail}".`);
  return {
    from: name ? `${name} <${address}>` : address,
    address,
    domain: address.slice(address.indexOf('@') + 1),
    identity: (identity as SenderIdentity | undefined) ?? 'domain',
    officeEmail: office,
  };
}

/** `Notifications@Example.COM` → `Notifications@example.com`; undefined for what is not an address SES takes. */
function normalisedAddress(value: string): string | undefined {
  if (!addressPattern.test(value)) return undefined;
  const at = value.indexOf('@');
  const domain = value.slice(at + 1).toLowerCase();
  return hostnamePattern.test(domain) ? `${value.slice(0, at)}@${domain}` : undefined;
}

/** The text message sender of `smsSenderId` and `smsCountry`. */
export interface SmsSender {
  /** The alphanumeric sender ID recipients see, in capitals: `NWHEATING`. */
  readonly senderId: string;
  /** The ISO 3166-1 alpha-2 country the sender ID is for: `GB`. */
  readonly country: string;
}

/**
 * An alphanumeric sender ID as End User Messaging SMS takes one from CloudFormation: 3 to 11 capital letters and
 * digits, at least one a letter (an all-digit one reads as a phone number, which carriers refuse as a sender ID).
 */
const senderIdPattern = /^(?=[A-Z0-9]*[A-Z])[A-Z0-9]{3,11}$/;
const countryPattern = /^[A-Z]{2}$/;

/**
 * The SMS sender of `smsSenderId` and `smsCountry` (default `GB`), or undefined when neither is set; the country
 * needs the sender ID.
 */
export function smsSenderOf(app: App): SmsSender | undefined {
  const senderId = contextString(app, 'smsSenderId');
  const country = contextString(app, 'smsCountry')?.toUpperCase();
  if (senderId === undefined) {
    if (country !== undefined)
      throw new Error('Context smsCountry needs smsSenderId: the sender ID to register in that country.');
    return undefined;
  }
  if (!senderIdPattern.test(senderId))
    throw new Error(
      `Context smsSenderId must be 3 to 11 capital letters and digits, at least one a letter (NWHEATING), not ` +
        `"${senderId}".`,
    );
  if (country !== undefined && !countryPattern.test(country))
    throw new Error(`Context smsCountry must be a two-letter ISO country code such as GB or IE, not "${country}".`);
  return { senderId, country: country ?? 'GB' };
}

/**
 * Where the planners' travel times come from: `estimate` (straight-line distance with a road factor, as locally) or
 * `amazon-location` (Amazon Location's route matrix, paid per route).
 */
export type TravelSource = 'estimate' | 'amazon-location';
const travelSources: readonly TravelSource[] = ['estimate', 'amazon-location'];

/** The travel source of `-c travel=...`, or undefined when unset. */
export function travelSourceOf(app: App): TravelSource | undefined {
  const travel = contextString(app, 'travel');
  if (travel !== undefined && !travelSources.includes(travel as TravelSource))
    throw new Error(
      `Context travel must be estimate (the default: straight-line distance with a road factor) or amazon-location ` +
        `(Amazon Location's route matrix), not "${travel}".`,
    );
  return travel as TravelSource | undefined;
}

/** A `-c name=value` string, trimmed; unset or empty is `undefined`. */
function contextString(app: App, name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${name} must be a string, not ${JSON.stringify(value)}.`);
  return value.trim() || undefined;
}
