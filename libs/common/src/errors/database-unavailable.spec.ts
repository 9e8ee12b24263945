import { DatabaseError } from 'pg';
import { CannotExecuteNotConnectedError, QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, resolveProblem } from './problem.filter';

/** An error as pg builds it from a PostgreSQL ErrorResponse. */
const pgError = (code: string, message: string): DatabaseError =>
  Object.assign(new DatabaseError(message, message.length, 'error'), { code, severity: 'FATAL' });

const queryFailed = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('database outages', () => {
  it.each([
    [
      'a connection terminated by the server',
      pgError('57P01', 'terminating connection due to administrator command'),
    ],
    [
      'a database refusing connections',
      pgError('55000', 'database "x" is not currently accepting connections'),
    ],
    [
      'a database out of connection slots',
      pgError('53300', 'too many connections for database "x"'),
    ],
    ['a connection exception', pgError('08006', 'connection failure')],
    [
      'a refused socket',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['the pool acquisition timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a query failing on a lost connection',
      queryFailed(new Error('Connection terminated unexpectedly')),
    ],
    [
      'a query failing on a terminated backend',
      queryFailed(pgError('57P01', 'terminating connection')),
    ],
    ['TypeORM not connected', new CannotExecuteNotConnectedError()],
  ])('%s answers 503 with Retry-After', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    const problem = resolveProblem(error);
    expect(problem.status).toBe(503);
    expect(problem.headers).toEqual({ 'Retry-After': '5' });
    expect(problem.document).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it.each([
    ['a unique violation', queryFailed(pgError('23505', 'duplicate key value'))],
    ['a syntax error', queryFailed(pgError('42601', 'syntax error at or near "x"'))],
    ['another 55000', queryFailed(pgError('55000', 'currval of sequence "s" is not yet defined'))],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    [
      'another service unreachable',
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      }),
    ],
  ])('%s is still a bare 500', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    const problem = resolveProblem(error);
    expect(problem.status).toBe(500);
    expect(problem.document).toMatchObject({
      code: 'INTERNAL_ERROR',
      detail: 'An unexpected error occurred.',
    });
    expect(problem.headers).toEqual({});
  });
});
