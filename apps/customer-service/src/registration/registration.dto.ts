import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { passwordProblems } from '@app/common';
import { PASSWORD_FLOOR } from '../config/customer.env';
import { ContactDetailsDto } from '../customers/contact.dto';
import { USER_TYPES, type UserType } from '../customers/customer-status';
import { normalizeSsn } from '../customers/person.rules';
import { IsBirthDate, IsPersonName, IsSsn, Satisfies } from '../customers/person.validators';
import { DisclosureRefDto } from '../disclosures/disclosure.dto';

const trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export const LOGIN_ID_CHARS = /^[A-Za-z0-9@$*_\-=.!~]+$/;
const COMPANY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class PersonDto extends ContactDetailsDto {
  @ApiProperty({ example: 'Jane', maxLength: 39 })
  @trim()
  @IsPersonName()
  firstName!: string;

  @ApiPropertyOptional({ example: 'Q', maxLength: 39 })
  @IsOptional()
  @trim()
  @IsPersonName()
  middleName?: string;

  @ApiProperty({ example: 'Doe', maxLength: 39 })
  @trim()
  @IsPersonName()
  lastName!: string;

  @ApiProperty({ example: '1990-04-17', description: 'YYYY-MM-DD; the customer must be an adult' })
  @IsBirthDate()
  birthDate!: string;

  @ApiProperty({
    example: '123-45-6780',
    description: 'Encrypted at rest; only the last 4 digits are ever returned',
  })
  @Transform(({ value }: { value: unknown }) => normalizeSsn(value) ?? value)
  @IsSsn()
  ssn!: string;
}

export class RegistrationDto {
  @ApiProperty({
    example: 'jdoe2026',
    description: '6-20 letters, digits or @$*_-=.!~, not all digits; unique per FI ignoring case',
  })
  @IsString({ message: 'must be a string' })
  @Length(6, 20, { message: 'must be 6 to 20 characters' })
  @Matches(LOGIN_ID_CHARS, { message: 'may contain only letters, digits and @$*_-=.!~' })
  @Matches(/\D/, { message: 'must not be all digits' })
  loginId!: string;

  @ApiProperty({
    example: 'violet tractor sings at dawn',
    description:
      'NIST SP 800-63B-4: 15+ characters (8+ at FIs with a second factor), up to 128, any characters; ' +
      'not a common or breached password, not containing the loginId or the name',
    format: 'password',
  })
  @Satisfies('isAcceptablePassword', (value, args) => {
    const body = args.object as { loginId?: unknown; person?: Record<string, unknown> };
    const person = body.person ?? {};
    // The FI's own minimum (15 unless lowered) is checked by the service, which knows the FI.
    const problems = passwordProblems(value, {
      minLength: PASSWORD_FLOOR,
      loginId: body.loginId,
      names: [person.firstName, person.middleName, person.lastName],
    });
    return problems.length > 0 ? problems.join('; ') : undefined;
  })
  password!: string;

  @ApiProperty({ enum: USER_TYPES })
  @IsIn(USER_TYPES, { message: `must be one of ${USER_TYPES.join(', ')}` })
  userType!: UserType;

  @ApiPropertyOptional({ description: 'The company; required for BUSINESS, refused for RETAIL' })
  @Satisfies('isCompanyOfBusiness', (value, args) => {
    const business = (args.object as { userType?: unknown }).userType === 'BUSINESS';
    if (value === undefined) return business ? 'is required for a BUSINESS customer' : undefined;
    if (!business) return 'is only for a BUSINESS customer';
    return typeof value === 'string' && COMPANY_ID.test(value)
      ? undefined
      : 'must be 1 to 64 letters, digits, . _ or -';
  })
  institutionCustomerId?: string;

  @ApiPropertyOptional({ example: '000123456' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9-]{1,32}$/, { message: 'must be 1 to 32 letters, digits or hyphens' })
  memberNumber?: string;

  @ApiProperty({ type: PersonDto })
  @IsDefined({ message: 'is required' })
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => PersonDto)
  person!: PersonDto;

  @ApiPropertyOptional({
    type: [DisclosureRefDto],
    description: 'The versions in force the customer accepted; every required one must be here',
  })
  @IsOptional()
  @IsArray({ message: 'must be an array' })
  @ArrayMaxSize(50, { message: 'must list at most 50 disclosures' })
  @ValidateNested({ each: true })
  @Type(() => DisclosureRefDto)
  acceptedDisclosures?: DisclosureRefDto[];
}
