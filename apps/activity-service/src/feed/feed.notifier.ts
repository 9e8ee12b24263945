import { EventEmitter } from 'node:events';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Client } from 'pg';
import { ActivityEnv } from '../config/activity.env';

export const FEED_CHANNEL = 'activity_feed';
const ALL = '*';
const RECONNECT_MS = 2000;

/**
 * Wakes SSE streams when their institution's feed moved: every ingest NOTIFYs its
 * institutions at commit (activity.append_to_feed), whichever replica stored it, and this
 * LISTENs on one dedicated connection. Streams also poll now and then, so a lost notification
 * only delays them.
 */
@Injectable()
export class FeedNotifier implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FeedNotifier.name);
  private readonly events = new EventEmitter();
  private client?: Client;
  private reconnect?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly env: ActivityEnv) {
    // One listener per open stream.
    this.events.setMaxListeners(0);
  }

  onApplicationBootstrap(): void {
    void this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    await this.client?.end().catch(() => undefined);
  }

  /** Calls `wake` whenever the institution's feed may have new events; returns the unsubscribe. */
  subscribe(institutionId: string, wake: () => void): () => void {
    this.events.on(institutionId, wake);
    this.events.on(ALL, wake);
    return () => {
      this.events.off(institutionId, wake);
      this.events.off(ALL, wake);
    };
  }

  emitLocal(institutions: string[]): void {
    for (const id of institutions) this.events.emit(id);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.env.DATABASE_URL,
      application_name: 'activity-service-listen',
    });
    client.on('notification', (msg) => {
      if (msg.channel !== FEED_CHANNEL) return;
      if (!msg.payload || msg.payload === ALL) this.events.emit(ALL);
      else this.emitLocal(msg.payload.split(','));
    });
    const retry = (err: unknown) => {
      if (this.stopped || this.client !== client) return;
      this.client = undefined;
      this.logger.warn({ err }, 'feed LISTEN connection lost; reconnecting');
      client.end().catch(() => undefined);
      this.reconnect = setTimeout(() => void this.listen(), RECONNECT_MS);
      this.reconnect.unref();
    };
    client.on('error', retry);
    client.on('end', () => retry(new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${FEED_CHANNEL}`);
    } catch (err) {
      retry(err);
    }
  }
}
