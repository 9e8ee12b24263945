import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsDefined,
  IsEmail,
  IsISO31661Alpha2,
  IsObject,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { normalizePhone } from './person.rules';
import { IsE164Phone, IsPostalCode, IsRegion, IsVisibleText } from './person.validators';

const trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const upper = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toUpperCase() : value,
  );

/** Normalises to E.164, reading a national number in the address's country. */
export const ToE164 = () =>
  Transform(
    ({ value, obj }: { value: unknown; obj: { postalAddress?: { country?: unknown } } }) => {
      const country =
        typeof obj.postalAddress?.country === 'string'
          ? obj.postalAddress.country.trim().toUpperCase()
          : undefined;
      return normalizePhone(value, country) ?? value;
    },
  );

export class PostalAddressDto {
  @ApiProperty({ example: '100 Main Street' })
  @trim()
  @IsString({ message: 'must be a string' })
  @IsVisibleText()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  address1!: string;

  @ApiPropertyOptional({ example: 'Apt 4' })
  @IsOptional()
  @trim()
  @IsString({ message: 'must be a string' })
  @IsVisibleText()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  address2?: string;

  @ApiProperty({ example: 'Springfield' })
  @trim()
  @IsString({ message: 'must be a string' })
  @IsVisibleText()
  @Length(1, 60, { message: 'must be 1 to 60 characters' })
  city!: string;

  @ApiProperty({ example: 'IL', description: 'USPS code for US addresses' })
  @upper()
  @IsRegion()
  @IsVisibleText()
  state!: string;

  @ApiProperty({ example: '62701' })
  @trim()
  @IsPostalCode()
  postalCode!: string;

  @ApiProperty({ example: 'US', description: 'ISO 3166-1 alpha-2' })
  @upper()
  @IsISO31661Alpha2({ message: 'must be an ISO 3166-1 alpha-2 country code' })
  country!: string;
}

/** The fields a profile change may touch; also part of a registration's person. */
export class ContactDetailsDto {
  @ApiProperty({ example: 'jane.doe@example.com' })
  @trim()
  @MaxLength(254, { message: 'must be at most 254 characters' })
  @IsEmail({}, { message: 'must be an e-mail address' })
  @IsVisibleText()
  emailAddress!: string;

  @ApiProperty({ example: '+12025550143', description: 'Any usual form; stored as E.164' })
  @ToE164()
  @IsE164Phone()
  phoneNumber!: string;

  @ApiProperty({ type: PostalAddressDto })
  @IsDefined({ message: 'is required' })
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => PostalAddressDto)
  postalAddress!: PostalAddressDto;
}

/** A profile change in OpenAPI (JSON Merge Patch): any subset of the contact details. */
export class ContactPatchDoc extends PartialType(ContactDetailsDto) {}
