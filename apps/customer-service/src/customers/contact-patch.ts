import { escapePointer, isObject, toFieldErrors, type FieldError } from '@app/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ContactDetailsDto } from './contact.dto';
import { CustomerErrors } from './customer.errors';
import type { PostalAddress } from './customer.entity';

export interface ContactDetails {
  emailAddress: string;
  phoneNumber: string;
  postalAddress: PostalAddress;
}

export type ContactField = keyof ContactDetails;

const CONTACT_FIELDS: readonly string[] = ['emailAddress', 'phoneNumber', 'postalAddress'];
const ADDRESS_FIELDS: readonly string[] = [
  'address1',
  'address2',
  'city',
  'state',
  'postalCode',
  'country',
];
/** Profile fields a client may know; named in the error so it can tell "immutable" from "unknown". */
const PROFILE_FIELDS: readonly string[] = [
  'customerId',
  'institutionId',
  'loginId',
  'password',
  'userType',
  'userStatus',
  'firstName',
  'middleName',
  'lastName',
  'birthDate',
  'ssn',
  'ssnLast4',
  'institutionCustomerId',
  'memberNumber',
  'acceptedDisclosures',
  'failedLoginCount',
  'registrationDateTime',
  'updatedAt',
];

const pointer = (...segments: string[]): string =>
  segments.map((s) => `/${escapePointer(s)}`).join('');

/** Equal as JSON values; jsonb does not keep member order, so it must not matter. */
function sameValue(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

/**
 * Applies a JSON Merge Patch (RFC 7396) to the contact fields, the only ones a profile change
 * may touch: any other member is 400 CUS_IMMUTABLE_FIELD; the result is validated like a
 * registration's (400 VALIDATION_FAILED). Returns the normalised result and what changed.
 */
export function applyContactPatch(
  current: ContactDetails,
  patch: unknown,
): { next: ContactDetails; changed: ContactField[] } {
  if (!isObject(patch))
    throw CustomerErrors.invalidFields([{ pointer: '', detail: 'must be a JSON object' }]);

  const immutable: FieldError[] = Object.keys(patch)
    .filter((key) => !CONTACT_FIELDS.includes(key))
    .map((key) => ({
      pointer: pointer(key),
      detail: PROFILE_FIELDS.includes(key) ? 'cannot be changed' : 'is not a field of the profile',
    }));
  if (immutable.length > 0) throw CustomerErrors.immutableFields(immutable);

  const errors: FieldError[] = [];
  const merged: Record<string, unknown> = {
    emailAddress: current.emailAddress,
    phoneNumber: current.phoneNumber,
    postalAddress: { ...current.postalAddress },
  };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      errors.push({ pointer: pointer(key), detail: 'is required and cannot be removed' });
    } else if (key !== 'postalAddress') {
      merged[key] = value;
    } else if (!isObject(value)) {
      errors.push({ pointer: pointer(key), detail: 'must be an object' });
    } else {
      const address = merged.postalAddress as Record<string, unknown>;
      for (const [field, fieldValue] of Object.entries(value)) {
        if (!ADDRESS_FIELDS.includes(field))
          errors.push({ pointer: pointer(key, field), detail: 'is not a field of the address' });
        else if (fieldValue === null) delete address[field];
        else address[field] = fieldValue;
      }
    }
  }
  if (errors.length > 0) throw CustomerErrors.invalidFields(errors);

  const dto = plainToInstance(ContactDetailsDto, merged);
  const invalid = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (invalid.length > 0) throw CustomerErrors.invalidFields(toFieldErrors(invalid));

  const next: ContactDetails = {
    emailAddress: dto.emailAddress,
    phoneNumber: dto.phoneNumber,
    postalAddress: {
      address1: dto.postalAddress.address1,
      ...(dto.postalAddress.address2 !== undefined ? { address2: dto.postalAddress.address2 } : {}),
      city: dto.postalAddress.city,
      state: dto.postalAddress.state,
      postalCode: dto.postalAddress.postalCode,
      country: dto.postalAddress.country,
    },
  };
  const changed = (['emailAddress', 'phoneNumber', 'postalAddress'] as const).filter(
    (field) => !sameValue(next[field], current[field]),
  );
  return { next, changed };
}
