import { ActivityClient } from './activity.client';

type Call = { url: string; init: RequestInit };

function fakeFetch(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    const call = { url, init };
    calls.push(call);
    return answer(call);
  }) as unknown as typeof fetch;
  return { calls, impl };
}

const problem = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

describe('ActivityClient', () => {
  it('searches with the bearer token and the body as JSON', async () => {
    const page = { nextPageToken: 'n', count: 1, bankingActivities: [{ guid: 'g' }] };
    const f = fakeFetch(() => Response.json(page));
    const client = new ActivityClient('http://activity:3003', 1000, f.impl);
    await expect(client.search('tok', { startTime: 'a' })).resolves.toEqual({
      ok: true,
      status: 200,
      body: page,
    });
    expect(f.calls[0]!.url).toBe('http://activity:3003/data-apis/v1/banking-activities');
    expect(f.calls[0]!.init.method).toBe('POST');
    expect(f.calls[0]!.init.headers).toMatchObject({
      authorization: 'Bearer tok',
      'content-type': 'application/json',
    });
    expect(f.calls[0]!.init.body).toBe('{"startTime":"a"}');
  });

  it('reads 204 as an empty page', async () => {
    const client = new ActivityClient(
      'http://a',
      1000,
      fakeFetch(() => new Response(null, { status: 204 })).impl,
    );
    await expect(client.search('t', {})).resolves.toEqual({
      ok: true,
      status: 204,
      body: { nextPageToken: null, count: 0, bankingActivities: [] },
    });
  });

  it("returns a 400's problem with its field errors (and nothing else of it)", async () => {
    const client = new ActivityClient(
      'http://a',
      1000,
      fakeFetch(() =>
        problem(400, {
          type: 'about:blank',
          title: 'Bad Request',
          status: 400,
          detail: '1 invalid argument.',
          code: 'BAS_10005',
          errors: [{ pointer: '/pageSize', detail: 'must be an integer from 1 to 1000' }, 'junk'],
          transactionId: 'x',
        }),
      ).impl,
    );
    await expect(client.search('t', {})).resolves.toEqual({
      ok: false,
      status: 400,
      problem: {
        status: 400,
        code: 'BAS_10005',
        title: 'Bad Request',
        detail: '1 invalid argument.',
        errors: [{ pointer: '/pageSize', detail: 'must be an integer from 1 to 1000' }],
      },
    });
  });

  it('says so when the service cannot be reached, or answers something else than JSON', async () => {
    const down = new ActivityClient(
      'http://a',
      1000,
      fakeFetch(() => Promise.reject(new TypeError('fetch failed'))).impl,
    );
    const answer = await down.search('t', {});
    expect(answer).toMatchObject({ ok: false, status: 0 });
    expect(!answer.ok && answer.problem.detail).toMatch(/could not be reached/);

    const html = new ActivityClient(
      'http://a',
      1000,
      fakeFetch(() => new Response('<html>bad gateway</html>', { status: 502 })).impl,
    );
    await expect(html.search('t', {})).resolves.toEqual({
      ok: false,
      status: 502,
      problem: { status: 502, detail: 'The activity service answered HTTP 502.' },
    });
  });

  it('streams the export line by line, across chunk boundaries, and stops when asked', async () => {
    const lines = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ guid: `g${i}`, eventId: 'loginSuccess', timeStamp: '2026-11-30T10:00:00Z' }),
    );
    const text = `${lines.join('\n')}\n`;
    let pulled = 0;
    const body = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          // 7-byte chunks: lines are split anywhere.
          const chunk = text.slice(pulled, pulled + 7);
          pulled += 7;
          if (chunk) controller.enqueue(new TextEncoder().encode(chunk));
          else controller.close();
        },
      });
    const f = fakeFetch(() => new Response(body(), { status: 200 }));
    const client = new ActivityClient('http://a', 1000, f.impl);
    const seen: string[] = [];
    await expect(
      client.exportEach('t', { startTime: 'a' }, (e) => (seen.push(String(e.guid)), true)),
    ).resolves.toEqual({ ok: true, status: 200, body: { read: 10, stopped: false } });
    expect(seen).toEqual(lines.map((_, i) => `g${i}`));
    expect(f.calls[0]!.url).toBe('http://a/data-apis/v1/banking-activities/export');
    expect(f.calls[0]!.init.headers).toMatchObject({ accept: 'application/x-ndjson' });

    pulled = 0;
    const stopAt3 = await client.exportEach('t', {}, () => seen.length++ < 12);
    expect(stopAt3).toEqual({ ok: true, status: 200, body: { read: 3, stopped: true } });
    // It stopped reading: far from every chunk was pulled.
    expect(pulled).toBeLessThan(text.length);
  });

  it('delivery calls: list, log with its page token, test', async () => {
    const f = fakeFetch(() => Response.json({}));
    const client = new ActivityClient('http://a', 1000, f.impl);
    await client.subscriptions('t');
    await client.deliveries('t', 'id/1', 'p q');
    await client.testDelivery('t', 'abc');
    await client.createSubscription('t', { name: 'n' });
    expect(f.calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'GET http://a/data-apis/v1/banking-activities/subscriptions',
      'GET http://a/data-apis/v1/banking-activities/subscriptions/id%2F1/deliveries?pageSize=20&pageToken=p+q',
      'POST http://a/data-apis/v1/banking-activities/subscriptions/abc/test',
      'POST http://a/data-apis/v1/banking-activities/subscriptions',
    ]);
  });
});
