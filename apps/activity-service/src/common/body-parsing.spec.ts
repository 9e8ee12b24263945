import { PassThrough } from 'node:stream';
import { DomainError, ProblemException } from '@app/common';
import { payloadTooLarge, readBody } from './body-parsing';

const stream = (...chunks: string[]) => {
  const s = new PassThrough();
  for (const c of chunks) s.write(c);
  s.end();
  return s;
};

describe('readBody', () => {
  it('reads the whole body', async () => {
    const body = await readBody(stream('{"a":', '1}'), 100, '7');
    expect(body.toString()).toBe('{"a":1}');
  });

  it('refuses a body above the limit, declared or not', async () => {
    await expect(readBody(stream('x'), 10, '11')).rejects.toBeInstanceOf(ProblemException);
    await expect(readBody(stream('12345', '678901'), 10, undefined)).rejects.toMatchObject({
      problem: { extensions: { errorCode: 'BAS_10006' } },
    });
  });

  it('answers a body shorter than its Content-Length with BAS_10006', async () => {
    const err = await readBody(stream('{}'), 100, '5').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'BAS_10006', status: 400 });
  });
});

describe('payloadTooLarge', () => {
  it('keeps 413 for an oversized body, with the BAS code alongside', () => {
    const mapped = payloadTooLarge();
    expect(mapped.getStatus()).toBe(413);
    expect(mapped.problem.extensions).toEqual({
      errorCode: 'BAS_10006',
      errorMessage: expect.any(String),
    });
  });
});
