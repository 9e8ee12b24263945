import { inspect } from 'node:util';
import pino from 'pino';
import { ConfigError, processEnvSource, type EnvSource } from './env';

export interface StartupFailureOptions {
  /** Decides the format (NODE_ENV=production: JSON lines); the process environment by default. */
  source?: EnvSource;
  /** Where the report goes; standard error by default. */
  write?: (text: string) => void;
}

/**
 * Reports why a service could not start (main.ts, before it exits). In production, JSON lines
 * as the service's own logs (pino: level, time, service, msg): one per configuration problem,
 * each naming it in `problem`, or one with the error in `err`. Elsewhere, readable text.
 */
export function reportStartupFailure(
  service: string,
  err: unknown,
  {
    source = processEnvSource(),
    write = (text) => process.stderr.write(text),
  }: StartupFailureOptions = {},
): void {
  if (source.NODE_ENV !== 'production') {
    write(
      err instanceof ConfigError
        ? `${service}: ${err.message}\n`
        : `${service} failed to start: ${inspect(err)}\n`,
    );
    return;
  }
  // A stream of our own, written synchronously: the process exits right after.
  const log = pino({ base: { service } }, { write: (line: string) => write(line) });
  if (err instanceof ConfigError) {
    for (const problem of err.problems) log.fatal({ problem }, 'invalid configuration');
  } else {
    log.fatal({ err }, 'failed to start');
  }
}
