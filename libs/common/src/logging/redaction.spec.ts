import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_PATHS } from './logging.module';
import { censorChildBindings, redactor } from './redaction';

/** A logger writing its lines into `lines`, parsed, without the time. */
function capture(options: pino.LoggerOptions) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString('utf8')) as Record<string, unknown>;
      delete line.time;
      lines.push(line);
      done();
    },
  });
  const logger = pino({ base: { service: 'test' }, ...options }, sink);
  if (options.formatters?.log) censorChildBindings(logger, options.formatters.log as never);
  return { logger, lines };
}

class QueryFailedError extends Error {
  constructor(
    readonly query: string,
    readonly parameters: unknown[],
    readonly driverError: object,
  ) {
    super('duplicate key value violates unique constraint');
    this.name = 'QueryFailedError';
  }
  detail = 'Key (ssn)=(123-45-6789) already exists.';
}

describe('log redaction (the formatter that replaces pino redact)', () => {
  const censor = '[redacted]';
  const redact = redactor(REDACTED_PATHS, censor);
  const error = new QueryFailedError('INSERT ...', ['123-45-6789'], { detail: 'secret' });
  const cases: [Record<string, unknown>, string?][] = [
    [{ req: { method: 'GET', path: '/x', headers: { authorization: 'Basic abc', cookie: 'c' } } }],
    [{ req: { headers: { 'x-api-key': 'k', accept: '*/*' } }, res: { statusCode: 200 } }],
    [{ res: { headers: { 'set-cookie': ['a=b'], 'content-type': 'text/plain' } } }],
    [{ body: { password: 'p', client_secret: 's', loginId: 'ada' }, dto: { ssn: '123456789' } }],
    [{ form: { token: 't', refresh_token: 'r', access_token: 'a', grant_type: 'password' } }],
    [{ customer: { clientSecret: 'cs', name: 'Ada' } }, 'with a message'],
    // pino's '*.x' reaches one level down only: these are written as they are, in both.
    [{ password: 'top', nested: { deeper: { password: 'deep' } }, list: [{ password: 1 }] }],
    [{ err: error, transactionId: 'f0e1' }, 'database unavailable'],
    [{ context: 'FailedAuth', clientId: 'c', ip: '127.0.0.1', reason: 'wrong secret' }],
    [{ traceId: undefined, responseTime: 3, n: null, s: 'text', b: true }],
  ];

  it('writes every line exactly as pino redact does', () => {
    const theirs = capture({ redact: { paths: REDACTED_PATHS, censor } });
    const ours = capture({ formatters: { log: redact, bindings: redact } });
    for (const [obj, msg] of cases) {
      theirs.logger.info(obj, msg);
      ours.logger.info(obj, msg);
    }
    // Bindings of a child logger (and of its children) too.
    for (const { logger } of [theirs, ours]) {
      const child = logger.child({ session: { password: 'p', id: 1 } });
      child.warn('child');
      child.child({ user: { ssn: '123-45-6789' } }, { level: 'info' }).info({ n: 1 }, 'grandchild');
    }
    expect(ours.lines).toEqual(theirs.lines);
    expect(JSON.stringify(ours.lines)).not.toMatch(
      /Basic abc|123-45-6789|"cs"|"client_secret":"s"|a=b/,
    );
    expect(ours.lines[7]).toMatchObject({
      err: { type: 'QueryFailedError', message: error.message, parameters: censor, detail: censor },
    });
  });

  it('leaves the logged objects untouched and copies nothing without a secret', () => {
    const body = { password: 'p', loginId: 'ada' };
    const obj = { body, req: { method: 'POST' } };
    const out = redact(obj);
    expect(out).toEqual({ body: { password: censor, loginId: 'ada' }, req: { method: 'POST' } });
    expect(obj.body).toBe(body);
    expect(body.password).toBe('p');
    expect(out.req).toBe(obj.req);
    const clean = { req: { method: 'GET', path: '/' }, res: { statusCode: 200 }, traceId: 'ab' };
    expect(redact(clean)).toBe(clean);
    expect(error.parameters).toEqual(['123-45-6789']);
  });

  it('reads quoted and wildcard paths anywhere', () => {
    const r = redactor(['a["b.c"]', "x['y'].z", 'list.*.secret', '*'], censor);
    expect(redactor(['a["b.c"]'], censor)({ a: { 'b.c': 1, b: { c: 2 } } })).toEqual({
      a: { 'b.c': censor, b: { c: 2 } },
    });
    expect(
      redactor(
        ["x['y'].z", 'list.*.secret'],
        censor,
      )({ x: { y: { z: 1 } }, list: [{ secret: 1 }, 2] }),
    ).toEqual({
      x: { y: { z: censor } },
      list: [{ secret: censor }, 2],
    });
    expect(r({ any: 1, other: { b: 2 } })).toEqual({ any: censor, other: censor });
  });
});
