import { grantScopes, requestedScopes } from './scope-request';
import { OAuthError } from './oauth.error';

describe('scope requests', () => {
  it('reads RFC 6749 scope and Candescent scopes, folding the seed alias', () => {
    expect(requestedScopes({ scope: 'customers:read  account:read' })).toEqual([
      'customers:read',
      'account:read',
    ]);
    expect(requestedScopes({ scopes: 'customers:read, banking-activites:read' })).toEqual([
      'customers:read',
      'banking-activities:read',
    ]);
    expect(requestedScopes({ scopes: 'a b,a' })).toEqual(['a', 'b']);
    expect(requestedScopes({})).toBeUndefined();
  });

  it('refuses both spellings at once and malformed tokens', () => {
    expect(() => requestedScopes({ scope: 'a', scopes: 'a' })).toThrow(
      expect.objectContaining({ error: 'invalid_request' }),
    );
    expect(() => requestedScopes({ scope: 'a\\b' })).toThrow(
      expect.objectContaining({ error: 'invalid_scope' }),
    );
  });

  it('grants the requested scopes within the allowance, else the defaults', () => {
    expect(grantScopes(['a'], ['a', 'b'], ['b'])).toEqual(['a']);
    expect(grantScopes(undefined, ['a', 'b'], ['b'])).toEqual(['b']);
    expect(() => grantScopes(['c'], ['a'], ['a'])).toThrow(OAuthError);
    expect(() => grantScopes(undefined, ['a'], [])).toThrow(
      expect.objectContaining({ error: 'invalid_scope' }),
    );
  });
});
