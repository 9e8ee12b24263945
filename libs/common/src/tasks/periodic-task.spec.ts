import { PeriodicTask, type TaskLock } from './periodic-task';

const logger = () => ({ error: jest.fn() });

describe('PeriodicTask', () => {
  afterEach(() => jest.useRealTimers());

  it('runs every interval, and never twice at once', async () => {
    jest.useFakeTimers();
    let release!: () => void;
    let runs = 0;
    const task = new PeriodicTask({
      name: 'test',
      intervalMs: 1000,
      logger: logger(),
      run: () => {
        runs++;
        return new Promise<void>((r) => (release = r));
      },
    });
    task.start();
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    // Two more ticks while the first run is still going: no overlap.
    await jest.advanceTimersByTimeAsync(2000);
    expect(runs).toBe(1);
    release();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    release();
    await task.stop();
  });

  it('runs at start when asked, returns the run value to trigger()', async () => {
    let runs = 0;
    const task = new PeriodicTask({
      name: 'test',
      intervalMs: 60_000,
      runAtStart: true,
      logger: logger(),
      run: () => Promise.resolve(++runs),
    });
    task.start();
    expect(runs).toBe(1);
    // The run at start is still in progress: trigger() shares it instead of starting another.
    expect(await task.trigger()).toBe(1);
    expect(await task.trigger()).toBe(2);
    await task.stop();
  });

  it('logs a failed run and keeps going', async () => {
    const log = logger();
    let fail = true;
    const task = new PeriodicTask({
      name: 'flaky',
      intervalMs: 60_000,
      logger: log,
      run: () => (fail ? Promise.reject(new Error('boom')) : Promise.resolve('ok')),
    });
    expect(await task.trigger()).toBeUndefined();
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ task: 'flaky' }),
      'flaky failed',
    );
    fail = false;
    expect(await task.trigger()).toBe('ok');
    await task.stop();
  });

  it('stop() waits for the run in progress, tells it to wind down, and runs nothing after', async () => {
    let release!: () => void;
    let sawStopping = false;
    let runs = 0;
    const task = new PeriodicTask({
      name: 'test',
      intervalMs: 60_000,
      logger: logger(),
      run: async (stopping) => {
        runs++;
        await new Promise<void>((r) => (release = r));
        sawStopping = stopping();
      },
    });
    const first = task.trigger();
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await first;
    await stopping;
    expect(sawStopping).toBe(true);
    expect(await task.trigger()).toBeUndefined();
    expect(runs).toBe(1);
  });

  it('skips the tick when another replica holds the lock', async () => {
    let held = true;
    const lock: TaskLock = {
      tryRun: async (fn) => (held ? { ran: false } : { ran: true, value: await fn() }),
    };
    const run = jest.fn(() => Promise.resolve('ran'));
    const task = new PeriodicTask({ name: 'one', intervalMs: 60_000, logger: logger(), run, lock });
    expect(await task.trigger()).toBeUndefined();
    expect(run).not.toHaveBeenCalled();
    held = false;
    expect(await task.trigger()).toBe('ran');
    await task.stop();
  });
});
