import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AcceptedDisclosureView } from '../disclosures/disclosure.dto';
import { PostalAddressDto } from './contact.dto';
import { USER_STATUSES, USER_TYPES } from './customer-status';
import type { CustomerEntity, PostalAddress } from './customer.entity';

/** The profile of the contract; the SSN appears as its last 4 digits only. */
export class CustomerView {
  @ApiProperty() customerId!: string;
  @ApiProperty() institutionId!: string;
  @ApiProperty() loginId!: string;
  @ApiProperty({ enum: USER_TYPES }) userType!: string;
  @ApiProperty({ enum: USER_STATUSES }) userStatus!: string;
  @ApiProperty() firstName!: string;
  @ApiProperty({ nullable: true, type: String }) middleName!: string | null;
  @ApiProperty() lastName!: string;
  @ApiProperty({ example: '1990-04-17' }) birthDate!: string;
  @ApiProperty() emailAddress!: string;
  @ApiProperty({ description: 'E.164' }) phoneNumber!: string;
  @ApiProperty({ type: PostalAddressDto }) postalAddress!: PostalAddress;
  @ApiProperty({ example: '6780' }) ssnLast4!: string;
  @ApiProperty({ nullable: true, type: String }) institutionCustomerId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) memberNumber!: string | null;
  @ApiProperty({ type: [AcceptedDisclosureView] }) acceptedDisclosures!: AcceptedDisclosureView[];
  @ApiProperty() failedLoginCount!: number;
  @ApiProperty() registrationDateTime!: string;
  @ApiProperty() updatedAt!: string;

  static of(c: CustomerEntity, accepted: AcceptedDisclosureView[]): CustomerView {
    return {
      customerId: c.id,
      institutionId: c.institutionId,
      loginId: c.loginId,
      userType: c.userType,
      userStatus: c.status,
      firstName: c.firstName,
      middleName: c.middleName,
      lastName: c.lastName,
      birthDate: c.birthDate,
      emailAddress: c.emailAddress,
      phoneNumber: c.phoneNumber,
      postalAddress: orderedAddress(c.postalAddress),
      ssnLast4: c.ssnLast4,
      institutionCustomerId: c.institutionCustomerId,
      memberNumber: c.memberNumber,
      acceptedDisclosures: accepted,
      failedLoginCount: c.failedLoginCount,
      registrationDateTime: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }
}

/** jsonb keeps keys in its own order; the API answers in the documented one. */
function orderedAddress(a: PostalAddress): PostalAddress {
  return {
    address1: a.address1,
    ...(a.address2 !== undefined ? { address2: a.address2 } : {}),
    city: a.city,
    state: a.state,
    postalCode: a.postalCode,
    country: a.country,
  };
}

/** A strong validator of the representation: it changes whenever `version` does. */
export const etagOf = (c: Pick<CustomerEntity, 'id' | 'version'>): string =>
  `"${c.id.slice(0, 8)}-${c.version}"`;

/** RFC 9110 §13.1.1: `*`, or one of the listed strong tags (weak tags never match). */
export function ifMatchSatisfied(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  return trimmed
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === etag);
}

/** RFC 9110 §13.1.2: weak comparison, so `W/"x"` matches `"x"`. */
export function ifNoneMatchHit(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag);
}
