import { ProblemException } from '@app/common';
import { DomainError } from '@app/common';
import { applyContactPatch, type ContactDetails } from './contact-patch';

const current: ContactDetails = {
  emailAddress: 'jane@example.com',
  phoneNumber: '+12025550143',
  postalAddress: {
    address1: '100 Main Street',
    address2: 'Apt 4',
    city: 'Springfield',
    state: 'IL',
    postalCode: '62701',
    country: 'US',
  },
};

const failure = (patch: unknown): { code: string; errors: unknown } => {
  try {
    applyContactPatch(current, patch);
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, errors: err.options.errors };
    if (err instanceof ProblemException) return { code: err.code, errors: err.problem.errors };
    throw err;
  }
  throw new Error('the patch was accepted');
};

describe('contact merge patch (RFC 7396)', () => {
  it('merges members, removes with null, and reports what changed', () => {
    const { next, changed } = applyContactPatch(current, {
      phoneNumber: '202-555-0199',
      postalAddress: { address2: null, city: 'Chicago', postalCode: '60601' },
    });
    expect(next).toEqual({
      emailAddress: 'jane@example.com',
      phoneNumber: '+12025550199',
      postalAddress: {
        address1: '100 Main Street',
        city: 'Chicago',
        state: 'IL',
        postalCode: '60601',
        country: 'US',
      },
    });
    expect(changed).toEqual(['phoneNumber', 'postalAddress']);
  });

  it('sees no change when only member order differs', () => {
    const { country, ...rest } = current.postalAddress;
    const reordered = { ...current, postalAddress: { country, ...rest } };
    expect(applyContactPatch(reordered, { emailAddress: 'jane@example.com' }).changed).toEqual([]);
  });

  it('refuses fields other than the contact ones', () => {
    expect(failure({ lastName: 'Smith', nickname: 'JD', emailAddress: 'x@example.com' })).toEqual({
      code: 'CUS_IMMUTABLE_FIELD',
      errors: [
        { pointer: '/lastName', detail: 'cannot be changed' },
        { pointer: '/nickname', detail: 'is not a field of the profile' },
      ],
    });
    expect(failure({ 'a/b~c': 1 })).toMatchObject({ errors: [{ pointer: '/a~1b~0c' }] });
  });

  it('refuses removing a required field and invalid values', () => {
    expect(failure({ emailAddress: null })).toEqual({
      code: 'VALIDATION_FAILED',
      errors: [{ pointer: '/emailAddress', detail: 'is required and cannot be removed' }],
    });
    expect(failure({ postalAddress: { state: 'Illinois' } })).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ pointer: '/postalAddress/state' }],
    });
    expect(failure('text')).toMatchObject({
      errors: [{ pointer: '', detail: 'must be a JSON object' }],
    });
  });
});
