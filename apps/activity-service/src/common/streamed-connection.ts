import type { EventEmitter } from 'node:events';
import type { Pool, PoolClient } from 'pg';
import { ActivityErrors } from './activity.errors';

/** A connection of `pool` for one streamed read; 503 ACTIVITY_UNAVAILABLE when all are busy. */
export function streamConnection(pool: Pool): Promise<PoolClient> {
  return pool.connect().catch(() => {
    throw ActivityErrors.unavailable('Every export connection is busy; retry shortly.');
  });
}

/**
 * The `close()` of a stream read on `client`: gives the connection back once, destroyed when
 * the stream did not reach its end (the server may still be sending it rows).
 */
export function releaseOnClose(client: PoolClient, stream: EventEmitter): () => void {
  let ended = false;
  stream.once('end', () => (ended = true));
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    client.release(!ended);
  };
}
