import type { PostalAddress } from '../customers/customer.entity';
import type { FlatJson } from '../http/json';

/**
 * Masks for the audit trail: enough to tell values apart and recognise one, not enough to
 * read it back. The audit trail is read by support staff and copied into other systems.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***@${email.slice(at + 1)}`;
}

export function maskPhone(phone: string): string {
  return `***${phone.slice(-4)}`;
}

const maskLine = (line: string): string => `${[...line][0] ?? ''}***`;

export function maskAddress(address: PostalAddress): Record<string, string> {
  return {
    address1: maskLine(address.address1),
    ...(address.address2 ? { address2: maskLine(address.address2) } : {}),
    city: address.city,
    state: address.state,
    postalCode: `${address.postalCode.slice(0, 3)}**`,
    country: address.country,
  };
}

export const maskSsn = (last4: string): string => `***-**-${last4}`;

export const maskBirthDate = (date: string): string => `${date.slice(0, 4)}-**-**`;

/** Masks a profile field by name; fields that are not personal data pass through. */
export function maskField(field: string, value: unknown): FlatJson {
  if (value === null || value === undefined) return null;
  switch (field) {
    case 'emailAddress':
      return maskEmail(String(value));
    case 'phoneNumber':
      return maskPhone(String(value));
    case 'postalAddress':
      return maskAddress(value as PostalAddress);
    case 'ssn':
      return maskSsn(String(value));
    case 'birthDate':
      return maskBirthDate(String(value));
    default:
      return value as FlatJson;
  }
}
