import { PassThrough } from 'node:stream';
import { discardBody, OVERSIZED_BODY_READ_FACTOR } from './oversized-body';

const LIMIT = 10;

describe('discardBody', () => {
  it('reads an oversized body to its end when it stays within the bound', async () => {
    const body = new PassThrough();
    const done = discardBody(body, LIMIT, String(3 * LIMIT));
    body.end(Buffer.alloc(3 * LIMIT));
    await expect(done).resolves.toBe(true);
    expect(body.readableEnded).toBe(true);
  });

  it('stops reading past the bound, and does not start again', async () => {
    const body = new PassThrough();
    const done = discardBody(body, LIMIT);
    for (let i = 0; i <= OVERSIZED_BODY_READ_FACTOR; i++) body.write(Buffer.alloc(LIMIT + 1));
    await expect(done).resolves.toBe(false);
    expect(body.readableEnded).toBe(false);
    expect(body.isPaused()).toBe(true);
    await expect(discardBody(body, LIMIT)).resolves.toBe(false);
  });

  it('reads nothing of a body whose Content-Length is past the bound', async () => {
    const body = new PassThrough();
    body.write('x');
    const declared = String(OVERSIZED_BODY_READ_FACTOR * LIMIT + 1);
    await expect(discardBody(body, LIMIT, declared)).resolves.toBe(false);
    expect(body.readableLength).toBe(1);
  });
});
