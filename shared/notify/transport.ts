import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { config } from '../config.ts';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: Array<{ filename: string; content: Uint8Array; contentType: string }>;
}

export interface OutgoingSms {
  /** E.164. */
  to: string;
  body: string;
}

/** Where messages go out: answers the provider's id for each, or throws when the provider did not take it. */
export interface Transport {
  /** Whether each channel can send here at all (a deployment without SMS set up sends e-mail instead). */
  readonly channels: { email: boolean; sms: boolean };
  email(message: OutgoingEmail): Promise<string>;
  sms(message: OutgoingSms): Promise<string>;
}

let override: Transport | undefined;

/** The embedded default's transport (the local outbox, and an SMTP relay when one is set): set by local/runtime.ts. */
export function useTransport(transport: Transport | undefined): void {
  override = transport;
}

/** SES and End User Messaging SMS, as the deployment configures them; or the local runtime's. */
export function transport(): Transport {
  override ??= awsTransport();
  return override;
}

function awsTransport(): Transport {
  const settings = config.notify;
  let ses: SESv2Client | undefined;
  let sms: PinpointSMSVoiceV2Client | undefined;
  return {
    channels: { email: Boolean(settings.emailFrom), sms: Boolean(settings.smsOrigination) },
    async email(message) {
      ses ??= new SESv2Client({});
      const sent = await ses.send(
        new SendEmailCommand({
          FromEmailAddress: settings.emailFrom,
          Destination: { ToAddresses: [message.to] },
          ConfigurationSetName: settings.sesConfigurationSet,
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: message.text, Charset: 'UTF-8' }, Html: { Data: message.html, Charset: 'UTF-8' } },
              Attachments: message.attachments.map((attachment) => ({
                FileName: attachment.filename,
                RawContent: attachment.content,
                ContentType: attachment.contentType,
                ContentDisposition: 'ATTACHMENT',
                ContentTransferEncoding: 'BASE64',
              })),
            },
          },
        }),
      );
      return sent.MessageId ?? '';
    },
    async sms(message) {
      sms ??= new PinpointSMSVoiceV2Client({});
      const sent = await sms.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: message.to,
          OriginationIdentity: settings.smsOrigination,
          ConfigurationSetName: settings.smsConfigurationSet,
          MessageBody: message.body,
          MessageType: 'TRANSACTIONAL',
        }),
      );
      return sent.MessageId ?? '';
    },
  };
}
