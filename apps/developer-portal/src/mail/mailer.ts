import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { PortalEnv } from '../config/portal.env';
import { MailCatcher } from './mail-catcher';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Mail through nodemailer: SMTP_URL when set, else the in-process catcher (never in production,
 * where SMTP_URL is required). Plain text only: links, no tracking, nothing to render.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger(Mailer.name);
  private transport?: Promise<Transporter>;

  constructor(
    private readonly env: PortalEnv,
    private readonly catcher: MailCatcher,
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    const transport = await this.transporter();
    await transport.sendMail({ from: this.env.MAIL_FROM, ...mail });
  }

  /**
   * Sends without making the caller wait (account mails: the answer must not tell, by its
   * timing, whether a mail went out). A failure is logged, without the address.
   */
  sendInBackground(mail: OutgoingMail): void {
    this.send(mail).catch((err: unknown) =>
      this.logger.error({ err: (err as Error).message, subject: mail.subject }, 'mail not sent'),
    );
  }

  async onModuleDestroy(): Promise<void> {
    if (this.transport) (await this.transport).close();
  }

  private transporter(): Promise<Transporter> {
    this.transport ??= this.env.SMTP_URL
      ? Promise.resolve(createTransport(this.env.SMTP_URL))
      : this.catcher
          .port()
          .then((port) =>
            createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }),
          );
    return this.transport;
  }
}
