import { customerEvent } from './activity-event';

describe('customerEvent', () => {
  const retail = {
    id: '3c4d7a22-560e-40af-b38b-950d3064189b',
    institutionId: 'fi-one',
    loginId: 'jdoe2026',
    userType: 'RETAIL' as const,
    institutionCustomerId: null,
  };
  const at = new Date('2026-11-21T09:00:00.000Z');

  it('builds the batch format of docs/internal-apis.md', () => {
    expect(
      customerEvent(
        retail,
        'loginFailure',
        { clientId: 'app', failedLoginCount: 2 },
        {
          channel: 'api',
          ipAddress: '10.0.0.1',
          at,
        },
      ),
    ).toEqual({
      guid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      eventId: 'loginFailure',
      timeStamp: '2026-11-21T09:00:00.000Z',
      institutionId: 'fi-one',
      userType: 'retail',
      loginId: 'jdoe2026',
      customerId: retail.id,
      channel: 'api',
      ipAddress: '10.0.0.1',
      attributes: { clientId: 'app', failedLoginCount: 2 },
    });
  });

  it('names the company for business users only, and leaves out an unknown address', () => {
    const event = customerEvent(
      { ...retail, userType: 'BUSINESS', institutionCustomerId: 'acme' },
      'userUnlocked',
      { unlockedBy: 'app' },
      { channel: 'api', at },
    );
    expect(event).toMatchObject({ userType: 'business', institutionCustomerId: 'acme' });
    expect(event).not.toHaveProperty('ipAddress');
    expect(
      customerEvent(
        { ...retail, institutionCustomerId: 'x' },
        'userLocked',
        { failedLoginCount: 5 },
        { channel: 'api' },
      ),
    ).not.toHaveProperty('institutionCustomerId');
  });

  it('gives every event its own guid', () => {
    const a = customerEvent(retail, 'loginSuccess', { clientId: 'app' }, { channel: 'api' });
    const b = customerEvent(retail, 'loginSuccess', { clientId: 'app' }, { channel: 'api' });
    expect(a.guid).not.toBe(b.guid);
  });
});
