import { passwordProblems, normalizePassword, PASSWORD_MAX } from './password-policy';

const ok = (password: string, ctx = {}) =>
  expect(passwordProblems(password, { minLength: 15, ...ctx })).toEqual([]);
const refused = (password: string, pattern: RegExp, ctx = {}) =>
  expect(passwordProblems(password, { minLength: 15, ...ctx }).join('; ')).toMatch(pattern);

describe('password policy (NIST SP 800-63B-4)', () => {
  it('enforces the minimum in code points after NFKC', () => {
    refused('fourteen chars', /at least 15/);
    ok('fifteen chars!!');
    // 15 astral characters: 30 UTF-16 units, 15 code points.
    ok('🐙🦀🐢🦑🐡🦞🐠🐬🐳🦈🐊🦎🐍🦖🦕');
    refused('🐙🦀🐢🦑🐡🦞🐠🐬🐳🦈🐊🦎🐍🦖', /at least 15/);
  });

  it('never goes below 8, even when asked to', () => {
    refused('tuba-ze', /at least 8/, { minLength: 4 });
    ok('tuba-zeb', { minLength: 8 });
  });

  it(`allows ${PASSWORD_MAX} characters and no more`, () => {
    ok('a b'.repeat(64).slice(0, PASSWORD_MAX).replace(/^a/, 'Z'));
    refused('x y '.repeat(40), new RegExp(`at most ${PASSWORD_MAX}`));
  });

  it('has no composition rules', () => {
    ok('all lowercase words here');
    ok('ALL UPPERCASE WORDS HERE');
  });

  it('refuses common and breached passwords, ignoring case, accents and spaces', () => {
    refused('passwordpassword', /commonly used/);
    refused('PassWordPassWord', /commonly used/);
    refused('password password', /commonly used/);
    refused('qazwsxedcrfvtgb', /commonly used/, { minLength: 8 });
    refused('letmein1', /commonly used/, { minLength: 8 });
  });

  it('refuses repetitions and sequences', () => {
    refused('aaaaaaaaaaaaaaaa', /repeated or sequential/);
    refused('abcabcabcabcabcabc', /repeated or sequential/);
    refused('34567890123456789', /repeated or sequential/);
    refused('zyxwvutsrqponmlk', /repeated or sequential/);
    ok('abcdefghijklmnoq');
  });

  it('refuses the loginId and the name inside the password', () => {
    refused('my JDoe2026 password', /loginId/, { loginId: 'jdoe2026' });
    refused('beyoncé forever and ever', /name/, { names: ['Beyonce'] });
    refused('the knowles family rocks', /name/, { names: ['Beyoncé Giselle', 'Knowles'] });
    // Parts shorter than 3 letters are too common to refuse.
    ok('a walk along the river', { names: ['Al', 'Li'] });
  });

  it('refuses control characters', () => {
    refused('tab\tinside a password', /control characters/);
  });

  it('refuses what is not a string', () => {
    expect(passwordProblems(123456789012345, { minLength: 15 })).toEqual(['must be a string']);
  });

  it('normalises to NFKC', () => {
    expect(normalizePassword('ﬁnancial')).toBe('financial');
    expect(normalizePassword('e\u0301')).toBe('é');
  });
});
