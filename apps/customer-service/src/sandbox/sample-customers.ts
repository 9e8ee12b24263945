import { SANDBOX_SAMPLE_PASSWORD, SANDBOX_SAMPLE_USERS, type SandboxSampleUser } from '@app/common';
import type { DisclosureRef } from '../disclosures/disclosure.repository';
import type { RegistrationDto } from '../registration/registration.dto';

/** Fictional US addresses; 555-01xx numbers are reserved for fiction. */
const ADDRESSES = [
  { address1: '100 Main Street', city: 'Springfield', state: 'IL', postalCode: '62701' },
  {
    address1: '42 Harbor Road',
    address2: 'Apt 3',
    city: 'Portland',
    state: 'ME',
    postalCode: '04101',
  },
  { address1: '7 Elm Court', city: 'Austin', state: 'TX', postalCode: '73301' },
  { address1: '250 Pine Avenue', city: 'Denver', state: 'CO', postalCode: '80202' },
  { address1: '18 Lake Drive', city: 'Madison', state: 'WI', postalCode: '53703' },
];

/**
 * A sample user's registration, as the FI's app would send it (already in its normalised form:
 * E.164 phone, 9-digit SSN): the person's details follow from their place in the roster.
 */
export function sampleRegistration(
  user: SandboxSampleUser,
  index: number,
  acceptedDisclosures: DisclosureRef[],
): RegistrationDto {
  const address = ADDRESSES[index % ADDRESSES.length]!;
  const company = user.institutionCustomerId;
  return {
    loginId: user.loginId,
    password: SANDBOX_SAMPLE_PASSWORD,
    userType: user.userType,
    ...(company ? { institutionCustomerId: company } : {}),
    person: {
      firstName: user.firstName,
      lastName: user.lastName,
      birthDate: `19${70 + ((index * 3) % 25)}-0${1 + (index % 9)}-1${index % 10}`,
      // Area 536, group 22: possible numbers, never published examples.
      ssn: `53622${String(4700 + index).padStart(4, '0')}`,
      emailAddress: `${user.loginId}@${company ? `${company}.example` : 'example.com'}`,
      phoneNumber: `+1202555${String(100 + index).padStart(4, '0')}`,
      postalAddress: { ...address, country: 'US' },
    },
    acceptedDisclosures: acceptedDisclosures.map((d) => ({ ...d })),
  };
}

/** Every sample user's registration, roster order. */
export const sampleRegistrations = (acceptedDisclosures: DisclosureRef[]): RegistrationDto[] =>
  SANDBOX_SAMPLE_USERS.map((u, i) => sampleRegistration(u, i, acceptedDisclosures));
