import type { ChildProcess } from 'node:child_process';
import { describeExit, Supervisor } from '../../scripts/supervisor';

/** A stand-in service: a Node process that runs until stopped (or, stubborn, ignores SIGTERM). */
const service = (stubborn = false) => [
  '-e',
  `${stubborn ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 1000); process.send?.('up');`,
];

function start(supervisor: Supervisor, name: string, stubborn = false): Promise<ChildProcess> {
  const child = supervisor.spawn(name, process.execPath, service(stubborn), {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => child.once('message', () => resolve(child)));
}

describe('npm start supervisor (scripts/supervisor.ts)', () => {
  it('stops everything when a service is killed by a signal, and names the service and the signal', async () => {
    const lines: string[] = [];
    let cleanedUp = false;
    let exitCode: number | undefined;
    const others: ChildProcess[] = [];
    const stopped = new Promise<void>((resolve) => {
      const supervisor = new Supervisor({
        log: (line) => lines.push(line),
        graceMs: 2_000,
        onStopped: (code) => {
          exitCode = code;
          resolve();
        },
      });
      supervisor.onStop(async () => {
        cleanedUp = true;
      });
      void (async () => {
        const children = await Promise.all([
          start(supervisor, 'auth-server'),
          start(supervisor, 'customer-service', true),
          start(supervisor, 'activity-service'),
        ]);
        // The way the supervisor used to hang: a service dies by a signal, so exitCode stays null.
        children[1]!.kill('SIGKILL');
        others.push(children[0]!, children[2]!);
      })();
    });
    await stopped;

    expect(exitCode).toBe(1);
    expect(cleanedUp).toBe(true);
    expect(lines[0]).toBe('customer-service was killed by SIGKILL; stopping the platform.');
    for (const child of others) expect(child.signalCode).toBe('SIGTERM');
  });

  it('kills a service that ignores SIGTERM after the grace period, then cleans up', async () => {
    const lines: string[] = [];
    const order: string[] = [];
    let stubborn: ChildProcess | undefined;
    await new Promise<void>((resolve) => {
      const supervisor = new Supervisor({
        log: (line) => lines.push(line),
        graceMs: 200,
        onStopped: () => {
          order.push('stopped');
          resolve();
        },
      });
      supervisor.onStop(async () => {
        order.push(`cleanup after exit: ${stubborn?.signalCode}`);
      });
      void (async () => {
        stubborn = await start(supervisor, 'activity-service', true);
        const plain = await start(supervisor, 'auth-server');
        plain.kill('SIGTERM');
      })();
    });
    expect(lines).toEqual([
      'auth-server was killed by SIGTERM; stopping the platform.',
      'activity-service did not stop within 0.2 s; killing it.',
    ]);
    expect(order).toEqual(['cleanup after exit: SIGKILL', 'stopped']);
  });

  it('says how a process ended', () => {
    expect(describeExit(3, null)).toBe('exited with code 3');
    expect(describeExit(null, 'SIGSEGV')).toBe('was killed by SIGSEGV');
  });
});
