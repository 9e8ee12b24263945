/**
 * The process supervision of `npm start` (scripts/start.ts), on its own so that it can be tested:
 * children are watched from the moment they are spawned; when one dies on its own, by an exit
 * code or a signal, the supervisor says which and how, stops the others (SIGTERM, SIGKILL after a
 * grace period) and runs the clean-up (the embedded PostgreSQL), all at most once.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface SupervisorOptions {
  /** Where the supervisor reports (stderr in `npm start`). */
  log: (line: string) => void;
  /** How long a child gets to exit after SIGTERM before SIGKILL. */
  graceMs?: number;
  /** Called once everything is stopped, with the exit code the supervisor should end with. */
  onStopped: (code: number) => void;
}

/** How a process ended, as a person reads it. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  return `exited with code ${code ?? 'unknown'}`;
}

export class Supervisor {
  private readonly children = new Map<string, { child: ChildProcess; exited: Promise<void> }>();
  private readonly cleanups: (() => Promise<void>)[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly options: SupervisorOptions) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Runs at stop, after every child has exited, last registered first. */
  onStop(cleanup: () => Promise<void>): void {
    this.cleanups.unshift(cleanup);
  }

  spawn(name: string, command: string, args: string[], options: SpawnOptions): ChildProcess {
    const child = spawn(command, args, options);
    // Listened to at once: an exit is never missed, whenever stop() comes to wait for it.
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        if (!this.stopping) {
          this.options.log(`${name} ${describeExit(code, signal)}; stopping the platform.`);
          void this.stop(1);
        }
      });
      child.once('error', (err) => {
        // Spawning failed: no 'exit' follows.
        if (child.pid === undefined) {
          resolve();
          if (!this.stopping) {
            this.options.log(
              `${name} could not be started (${err.message}); stopping the platform.`,
            );
            void this.stop(1);
          }
        }
      });
    });
    this.children.set(name, { child, exited });
    return child;
  }

  /** Whether a child is still running (neither an exit code nor a signal yet). */
  running(name: string): boolean {
    const entry = this.children.get(name);
    return !!entry && entry.child.exitCode === null && entry.child.signalCode === null;
  }

  /** Stops every child and runs the clean-ups, once; later calls wait for the same stop. */
  stop(code: number): Promise<void> {
    this.stopping ??= (async () => {
      const grace = this.options.graceMs ?? 5_000;
      await Promise.all(
        [...this.children.entries()].map(async ([name, { child, exited }]) => {
          if (!this.running(name)) return;
          child.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<'late'>((resolve) => {
            timer = setTimeout(() => resolve('late'), grace);
          });
          if ((await Promise.race([exited, late])) === 'late') {
            this.options.log(`${name} did not stop within ${grace / 1000} s; killing it.`);
            child.kill('SIGKILL');
            await exited;
          }
          clearTimeout(timer);
        }),
      );
      for (const cleanup of this.cleanups) {
        try {
          await cleanup();
        } catch (err) {
          this.options.log(`Clean-up failed: ${String(err)}`);
        }
      }
      this.options.onStopped(code);
    })();
    return this.stopping;
  }
}
