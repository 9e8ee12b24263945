import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { DisclosureEntity } from './disclosure.entity';
import type { DisclosureAcceptanceEntity } from './disclosure-acceptance.entity';

export const DISCLOSURE_ID = /^[A-Za-z0-9._-]{1,64}$/;
export const DISCLOSURE_VERSION = /^[A-Za-z0-9._-]{1,32}$/;

/** Names one version of one disclosure. */
export class DisclosureRefDto {
  @ApiProperty({ example: 'e-sign-consent' })
  @Matches(DISCLOSURE_ID, { message: 'must be 1 to 64 letters, digits, . _ or -' })
  disclosureId!: string;

  @ApiProperty({ example: '2' })
  @Matches(DISCLOSURE_VERSION, { message: 'must be 1 to 32 letters, digits, . _ or -' })
  version!: string;
}

export class PublishDisclosureDto extends DisclosureRefDto {
  @ApiProperty({ example: 'Electronic signature consent' })
  @IsString({ message: 'must be a string' })
  @Length(1, 200, { message: 'must be 1 to 200 characters' })
  name!: string;

  @ApiProperty({ description: 'Customers must accept it to register and to stay active' })
  @IsBoolean({ message: 'must be true or false' })
  required!: boolean;

  @ApiProperty({ description: 'The text (or HTML) of the disclosure' })
  @IsString({ message: 'must be a string' })
  @Length(1, 500_000, { message: 'must be 1 to 500000 characters' })
  content!: string;

  @ApiPropertyOptional({
    description: 'When it takes effect (ISO 8601); now when omitted, at most a year ahead',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
  effectiveAt?: string;
}

export class DisclosureView {
  @ApiProperty() disclosureId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: string;
  @ApiProperty() required!: boolean;
  @ApiProperty() content!: string;
  @ApiProperty() effectiveAt!: string;
  @ApiProperty({ description: 'False until effectiveAt has come' }) inForce!: boolean;

  static of(d: DisclosureEntity, inForce: boolean): DisclosureView {
    return {
      disclosureId: d.disclosureId,
      name: d.name,
      version: d.version,
      required: d.required,
      content: d.content,
      effectiveAt: d.effectiveAt.toISOString(),
      inForce,
    };
  }
}

export class DisclosureListView {
  @ApiProperty({ type: [DisclosureView] }) disclosures!: DisclosureView[];
}

export class AcceptedDisclosureView {
  @ApiProperty() disclosureId!: string;
  @ApiProperty() version!: string;
  @ApiProperty() acceptedAt!: string;

  static of(a: DisclosureAcceptanceEntity): AcceptedDisclosureView {
    return {
      disclosureId: a.disclosureId,
      version: a.version,
      acceptedAt: a.acceptedAt.toISOString(),
    };
  }
}

export class AcceptanceResultView extends AcceptedDisclosureView {
  @ApiProperty({ description: "The customer's status after the acceptance" })
  userStatus!: string;
}
