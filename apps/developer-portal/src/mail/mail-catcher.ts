import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { PortalEnv } from '../config/portal.env';

export interface CaughtMail {
  id: string;
  receivedAt: Date;
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** Every http(s) link in the text, in order (the verification or reset link first). */
  links: string[];
}

/** How many messages the catcher keeps (oldest dropped first). */
const KEEP = 100;

/**
 * Local development without SMTP_URL: a real SMTP server in this process on 127.0.0.1, so that
 * nodemailer really sends (envelope, MIME, encodings) and the portal shows what arrived at
 * /dev/mail. Never started in production or when SMTP_URL is set.
 */
@Injectable()
export class MailCatcher implements OnModuleDestroy {
  private readonly logger = new Logger(MailCatcher.name);
  private readonly caught: CaughtMail[] = [];
  private server?: SMTPServer;
  private listening?: Promise<number>;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly env: PortalEnv) {}

  get enabled(): boolean {
    return this.env.catchesMail;
  }

  /** Starts the server (once) and resolves with its port. */
  port(): Promise<number> {
    if (!this.enabled) return Promise.reject(new Error('the mail catcher is off (SMTP_URL set)'));
    this.listening ??= new Promise<number>((resolve, reject) => {
      const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        size: 1_048_576,
        logger: false,
        banner: 'developer-portal local mail catcher',
        // Only this process sends to it, from 127.0.0.1: no DNS lookup of the sender, which
        // would hold each mail's greeting for up to 1.5 s whenever the resolver is slow.
        disableReverseLookup: true,
        onData: (stream, session, callback) => {
          simpleParser(stream)
            .then((mail) => {
              this.keep({
                id: randomUUID(),
                receivedAt: new Date(),
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                subject: mail.subject ?? '',
                text: mail.text ?? '',
                links: [...(mail.text ?? '').matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]),
              });
              callback();
            })
            .catch((err: unknown) => callback(err as Error));
        },
      });
      server.on('error', (err) => this.logger.warn({ err }, 'mail catcher error'));
      server.listen(this.env.MAIL_CATCHER_PORT, '127.0.0.1', () => {
        resolve((server.server.address() as AddressInfo).port);
      });
      server.server.once('error', reject);
      this.server = server;
    });
    return this.listening;
  }

  /** What arrived, newest first. */
  messages(): CaughtMail[] {
    return [...this.caught].reverse();
  }

  /** Resolves with the newest message to `address` that `match` accepts, waiting up to timeoutMs. */
  async waitFor(
    address: string,
    match: (mail: CaughtMail) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<CaughtMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages().find(
        (m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase()) && match(m),
      );
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mail to ${address} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private keep(mail: CaughtMail): void {
    this.caught.push(mail);
    if (this.caught.length > KEEP) this.caught.shift();
    // Local development: the link in the terminal, beside the page that shows the whole mail.
    this.logger.log(
      `mail caught for ${mail.to.join(', ')}: "${mail.subject}" ${mail.links[0] ?? ''} (read it at ${this.env.publicUrl}/dev/mail)`,
    );
    for (const wake of [...this.waiters]) wake();
  }
}
