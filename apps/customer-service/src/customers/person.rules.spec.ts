import {
  birthDateProblem,
  nameProblem,
  normalizePhone,
  normalizeSsn,
  ssnProblem,
} from './person.rules';

describe('person rules', () => {
  const today = new Date('2026-11-21T12:00:00Z');

  it.each([
    ['1990-04-17', undefined],
    ['2008-11-21', undefined],
    ['2008-11-22', /at least 18/],
    ['2026-11-21', /past/],
    ['2030-01-01', /past/],
    ['1990-02-30', /real date/],
    ['1990-13-01', /real date/],
    ['1899-12-31', /after 1900/],
    ['17/04/1990', /YYYY-MM-DD/],
    [19900417, /YYYY-MM-DD/],
  ])('birth date %s', (value, problem) => {
    const result = birthDateProblem(value, today);
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeUndefined();
  });

  it('makes someone born on 29 February an adult on 1 March in a common year', () => {
    expect(birthDateProblem('2008-02-29', new Date('2026-02-28T12:00:00Z'))).toMatch(/18/);
    expect(birthDateProblem('2008-02-29', new Date('2026-03-01T12:00:00Z'))).toBeUndefined();
  });

  it.each([
    ['123-45-6780', undefined],
    ['123456780', undefined],
    ['1234-5-6780', /9 digits/],
    ['000-45-6780', /area/],
    ['666-45-6780', /area/],
    ['900-45-6780', /area/],
    ['999-45-6780', /area/],
    ['123-00-6780', /group/],
    ['123-45-0000', /serial/],
    ['078-05-1120', /published/],
    ['123-45-6789', /published/],
  ])('SSN %s', (value, problem) => {
    const result = ssnProblem(value);
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeUndefined();
  });

  it('normalises an SSN to its digits', () => {
    expect(normalizeSsn('123-45-6780')).toBe('123456780');
    expect(normalizeSsn('12-345-6780')).toBeUndefined();
  });

  it('normalises phone numbers to E.164 and refuses impossible ones', () => {
    expect(normalizePhone('(202) 555-0143')).toBe('+12025550143');
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('555-5555')).toBeUndefined();
    expect(normalizePhone(2025550143)).toBeUndefined();
  });

  it.each([
    ['Jane', undefined],
    ["O'Brien-Smith", undefined],
    ['St. John', undefined],
    ['Zoë', undefined],
    ['李', undefined],
    ['', /1 to 39/],
    ['J'.repeat(40), /1 to 39/],
    ['R2D2', /letters/],
    ['-Jane', /letters/],
  ])('name %s', (value, problem) => {
    const result = nameProblem(value);
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeUndefined();
  });
});
