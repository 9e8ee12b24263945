import { RegistrationThrottle } from './registration-throttle.service';

describe('RegistrationThrottle', () => {
  it('counts the client and the address; over either, 429 CUS_RATE_LIMITED with Retry-After', async () => {
    const limits = { hit: jest.fn().mockResolvedValueOnce(0).mockResolvedValueOnce(42) };
    const throttle = new RegistrationThrottle(limits as never);
    await expect(throttle.check('app', '203.0.113.7')).resolves.toBeUndefined();
    expect(limits.hit).toHaveBeenCalledWith('app', '203.0.113.7');
    await expect(throttle.check('app', undefined)).rejects.toMatchObject({
      code: 'CUS_RATE_LIMITED',
      options: { headers: { 'Retry-After': '42' } },
    });
    expect(limits.hit).toHaveBeenLastCalledWith('app', 'unknown');
  });
});
