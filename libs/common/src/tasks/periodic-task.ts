import type { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** Runs `fn` only while holding a lock that one replica at a time can hold; undefined if taken. */
export interface TaskLock {
  tryRun<T>(fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
}

export interface PeriodicTaskOptions<T> {
  /** Named in log lines. */
  name: string;
  intervalMs: number;
  /** The work of one tick. `stopping()` turns true once shutdown began: long runs end early. */
  run: (stopping: () => boolean) => Promise<T>;
  /** Also run as soon as the task starts (default: first run after one interval). */
  runAtStart?: boolean;
  /** Only one replica runs it at a time (see `advisoryLock`); the others skip that tick. */
  lock?: TaskLock;
  logger: Pick<Logger, 'error'>;
}

/**
 * The one way a service does something every so often: an unref'd interval (it never keeps a
 * process alive), never two runs at once in this process, optionally one replica at a time,
 * errors logged and the next tick tried, and `stop()` waiting for the run in progress so that
 * shutdown never cuts a run in the middle.
 */
export class PeriodicTask<T = unknown> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<T | undefined>;
  private stopped = false;

  constructor(private readonly options: PeriodicTaskOptions<T>) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.trigger(), this.options.intervalMs);
    this.timer.unref();
    if (this.options.runAtStart) void this.trigger();
  }

  /**
   * Runs now unless a run is in progress, in which case that run's promise is returned. Resolves
   * with the run's value, or undefined when it failed, was skipped (lock held elsewhere) or the
   * task is stopped.
   */
  trigger(): Promise<T | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    this.running ??= this.once().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the interval and waits for the run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async once(): Promise<T | undefined> {
    const { run, lock, logger, name } = this.options;
    const stopping = () => this.stopped;
    try {
      if (!lock) return await run(stopping);
      const outcome = await lock.tryRun(() => run(stopping));
      return outcome.ran ? outcome.value : undefined;
    } catch (err) {
      logger.error({ err, task: name }, `${name} failed`);
      return undefined;
    }
  }
}

/**
 * A PostgreSQL session advisory lock on its own connection: held for the run, released after
 * it, and by PostgreSQL itself if the process dies. `key` names the task across replicas.
 */
export function advisoryLock(dataSource: DataSource, key: string): TaskLock {
  return {
    async tryRun<T>(fn: () => Promise<T>) {
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
          key,
        ])) as { ok: boolean }[];
        if (!row?.ok) return { ran: false as const };
        try {
          return { ran: true as const, value: await fn() };
        } finally {
          await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
        }
      } finally {
        await runner.release();
      }
    },
  };
}
