import { Webhook } from 'standardwebhooks';
import { retryDelayMs, parseRetryAfter } from './retry-policy';
import { isPublicAddress, webhookUrlProblem } from './target-guard';
import { parseCreate } from './subscription.request';
import { newWebhookSecret, webhookHeaders } from './webhook-signature';

describe('delivery rules', () => {
  it('signs as Standard Webhooks, one signature per live secret', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"type":"banking-activities.batch"}';
    const ts = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders('d-1', ts, body, [a, b]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(a).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(b).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(a).verify(`${body} `, headers)).toThrow();
  });

  it('backs off on the contract schedule, with jitter, and honours Retry-After', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => retryDelayMs(n, 1, mid))).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, 36_000_000,
    ]);
    expect(retryDelayMs(2, 1, () => 0)).toBe(4_500);
    expect(retryDelayMs(2, 1, () => 1)).toBe(5_500);
    expect(retryDelayMs(2, 0.001, mid)).toBe(5);
    expect(retryDelayMs(1, 1, mid, 120_000)).toBe(120_000);
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    // More than three days of retries before the 5-day pause.
    let total = 0;
    for (let n = 1; total < 3 * 86_400_000; n++) total += retryDelayMs(n, 1, mid);
    expect(total).toBeGreaterThanOrEqual(3 * 86_400_000);
  });

  it('refuses internal targets outside sandbox mode', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '169.254.169.254',
      '192.168.1.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '100.64.0.1',
    ])
      expect({ a, ok: isPublicAddress(a) }).toEqual({ a, ok: false });
    expect(isPublicAddress('93.184.216.34')).toBe(true);
    expect(isPublicAddress('2606:4700::1111')).toBe(true);
    expect(webhookUrlProblem('http://example.com/x', false)).toBe('must be https');
    expect(webhookUrlProblem('https://169.254.169.254/latest', false)).toMatch(/private/);
    expect(webhookUrlProblem('https://localhost/x', false)).toMatch(/private/);
    expect(webhookUrlProblem('https://user:pw@example.com/x', false)).toMatch(/credentials/);
    expect(webhookUrlProblem('https://example.com/hook', false)).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', true)).toBeNull();
  });

  it('validates a subscription with the search language and its codes', () => {
    const base = {
      name: 'n',
      cadence: 'realtime',
      destination: { type: 'webhook', url: 'https://example.com/h' },
    };
    expect(parseCreate(base, false)).toMatchObject({ timeZone: 'UTC', format: 'ndjson' });
    expect(() => parseCreate({ ...base, filter: { userType: 'robot' } }, false)).toThrow(
      expect.objectContaining({ code: 'BAS_10009' }) as Error,
    );
    expect(() =>
      parseCreate(
        { ...base, filter: { additionalFilters: { condition: 'xor', filters: [] } } },
        false,
      ),
    ).toThrow(expect.objectContaining({ code: 'BAS_10005' }) as Error);
    expect(() => parseCreate({ ...base, cadence: 'weekly' }, false)).toThrow(
      expect.objectContaining({ code: 'BAS_10005' }) as Error,
    );
    expect(() =>
      parseCreate(
        { ...base, cadence: 'daily', timeZone: 'Nowhere/City', destination: { type: 'pull' } },
        false,
      ),
    ).toThrow(expect.objectContaining({ code: 'BAS_10005' }) as Error);
    expect(() => parseCreate({ ...base, destination: { type: 'pull' } }, false)).toThrow(
      expect.objectContaining({ code: 'BAS_10005' }) as Error,
    );
    expect(
      parseCreate(
        {
          ...base,
          cadence: 'hourly',
          destination: {
            type: 'sftp',
            host: 'sftp.example.com',
            username: 'u',
            password: 'p',
            directory: '/in',
            hostKeySha256: 'A'.repeat(43),
          },
        },
        false,
      ).destination,
    ).toMatchObject({ type: 'sftp', port: 22 });
  });
});
