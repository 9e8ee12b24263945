import { settledStatus } from './customer-status';

describe('settledStatus', () => {
  const at = new Date();
  it('puts a lock first, pending disclosures next, then registered or active', () => {
    expect(settledStatus({ locked: true, pendingDisclosures: 2, lastLoginAt: at })).toBe('locked');
    expect(settledStatus({ locked: false, pendingDisclosures: 1, lastLoginAt: at })).toBe(
      'needsToAcceptDisclosure',
    );
    expect(settledStatus({ locked: false, pendingDisclosures: 0, lastLoginAt: null })).toBe(
      'registered',
    );
    expect(settledStatus({ locked: false, pendingDisclosures: 0, lastLoginAt: at })).toBe('active');
  });
});
