import type { Server } from 'node:http';
import {
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** How often idle connections are closed while the server drains. */
const REAP_EVERY_MS = 50;

/**
 * Graceful shutdown that ends. Node's `server.close()` closes the connections idle at that
 * moment and waits for the rest; a keep-alive connection whose request was still running then
 * goes idle afterwards and stays open for the whole keep-alive timeout (72 s under Fastify),
 * holding the shutdown up. While the server drains, idle connections are closed as they
 * appear; requests in progress still finish.
 */
@Injectable()
export class ConnectionDrainer implements BeforeApplicationShutdown, OnApplicationShutdown {
  private reaper: NodeJS.Timeout | undefined;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.closeIdleConnections) return;
    this.reaper = setInterval(() => server.closeIdleConnections(), REAP_EVERY_MS);
    this.reaper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.reaper);
  }
}
