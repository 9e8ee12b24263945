import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  SANDBOX_SAMPLE_PASSWORD,
  SANDBOX_SAMPLE_USERS,
  passwordProblems,
  toFieldErrors,
} from '@app/common';
import { RegistrationDto } from '../registration/registration.dto';
import { testEnv } from '../testing/fakes';
import { sampleRegistrations } from './sample-customers';

describe('sample customers', () => {
  const refs = [{ disclosureId: 'e-sign-consent', version: '1' }];
  const samples = sampleRegistrations(refs);

  it('are registrations the API itself would accept, already in normalised form', () => {
    for (const sample of samples) {
      const dto = plainToInstance(RegistrationDto, JSON.parse(JSON.stringify(sample)));
      expect({ loginId: sample.loginId, errors: toFieldErrors(validateSync(dto)) }).toEqual({
        loginId: sample.loginId,
        errors: [],
      });
      // The API's transforms (E.164, 9-digit SSN, trims) would change nothing.
      expect(JSON.parse(JSON.stringify(dto))).toEqual(JSON.parse(JSON.stringify(sample)));
    }
  });

  it('follow the shared roster: retail and business users, companies with several users', () => {
    expect(samples.map((s) => s.loginId)).toEqual(SANDBOX_SAMPLE_USERS.map((u) => u.loginId));
    const companies = samples.flatMap((s) =>
      s.institutionCustomerId ? [s.institutionCustomerId] : [],
    );
    expect(samples.some((s) => s.userType === 'RETAIL')).toBe(true);
    expect(companies.length).toBeGreaterThan(new Set(companies).size);
    expect(new Set(samples.map((s) => s.person.ssn)).size).toBe(samples.length);
  });

  it('share a password that passes the NIST policy for every one of them', () => {
    for (const s of samples) {
      expect(s.password).toBe(SANDBOX_SAMPLE_PASSWORD);
      expect(
        passwordProblems(s.password, {
          // The FI's minimum as a sandbox FI has it (the default, 15).
          minLength: testEnv().passwordMinLength('sbx-any'),
          loginId: s.loginId,
          names: [s.person.firstName, s.person.lastName],
        }),
      ).toEqual([]);
    }
  });
});
