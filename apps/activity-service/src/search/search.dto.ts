import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CRITERIA, FILTER_LIMITS } from './filter';
import { SEARCH_LIMITS } from './search.query';

/*
 * OpenAPI descriptions of the search and export bodies. Requests are validated by
 * parseSearchRequest (search.query.ts), which answers with the BAS_* codes; these classes
 * only document the shapes.
 */

export class FilterConditionDto {
  @ApiProperty({
    example: 'amount',
    description: 'A field or attribute id from GET .../event-types',
  })
  attributeId!: string;

  @ApiProperty({ enum: CRITERIA })
  criteria!: string;

  @ApiPropertyOptional({
    description:
      'A value of the attribute type; an array for in / notIn; true or false for exists (default true)',
    example: 1000,
  })
  value?: unknown;
}

export class FilterGroupDto {
  @ApiProperty({ enum: ['and', 'or'] })
  condition!: string;

  @ApiPropertyOptional({ description: 'NOT of the whole group' })
  negate?: boolean;

  @ApiPropertyOptional({ type: () => [FilterConditionDto] })
  filters?: FilterConditionDto[];

  @ApiPropertyOptional({
    type: () => [FilterGroupDto],
    description: `Nested groups (up to ${FILTER_LIMITS.maxDepth} levels and ${FILTER_LIMITS.maxNodes} groups and conditions in all). A sub-filter may not repeat its parent's condition unless negated (BAS_10008).`,
  })
  subFilters?: FilterGroupDto[];

  @ApiPropertyOptional({
    type: () => FilterGroupDto,
    description: "Candescent's single sub-filter",
  })
  subFilter?: FilterGroupDto;
}

export class SearchRequestDto {
  @ApiProperty({
    example: '2026-11-01T00:00:00Z',
    description: 'Inclusive; at most ACTIVITY_MAX_LOOKBACK_DAYS (93) ago',
  })
  startTime!: string;

  @ApiProperty({ example: '2026-11-21T00:00:00Z', description: 'Exclusive' })
  endTime!: string;

  @ApiPropertyOptional({
    default: SEARCH_LIMITS.defaultPageSize,
    maximum: SEARCH_LIMITS.maxPageSize,
    minimum: 1,
  })
  pageSize?: number;

  @ApiPropertyOptional({ type: [String], example: ['loginSuccess', 'loginFailure'] })
  eventIds?: string[];

  @ApiPropertyOptional({ enum: ['retail', 'business'] })
  userType?: string;

  @ApiPropertyOptional({ enum: ['loginId', 'customerId'], default: 'loginId' })
  userIdType?: string;

  @ApiPropertyOptional({ example: 'jdoe2026' })
  userId?: string;

  @ApiPropertyOptional({ type: [String], maxItems: SEARCH_LIMITS.maxListItems })
  userIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'institutionCustomerId of business users' })
  companyIds?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Fields and attributes to return; guid, eventId and timeStamp always come',
  })
  requestedAttributes?: string[];

  @ApiPropertyOptional({ type: () => FilterGroupDto })
  additionalFilters?: FilterGroupDto;

  @ApiPropertyOptional({ enum: ['ASC', 'DESC'], default: 'ASC' })
  sortOrder?: string;

  @ApiPropertyOptional({ description: 'From the previous page; only valid with the same filters' })
  nextPageToken?: string;
}

export class ExportRequestDto {
  @ApiProperty({ example: '2026-11-20T00:00:00Z', description: 'Inclusive (no look-back limit)' })
  startTime!: string;

  @ApiProperty({ example: '2026-11-21T00:00:00Z', description: 'Exclusive' })
  endTime!: string;

  @ApiPropertyOptional({ type: [String] }) eventIds?: string[];
  @ApiPropertyOptional({ enum: ['retail', 'business'] }) userType?: string;
  @ApiPropertyOptional({ enum: ['loginId', 'customerId'] }) userIdType?: string;
  @ApiPropertyOptional() userId?: string;
  @ApiPropertyOptional({ type: [String] }) userIds?: string[];
  @ApiPropertyOptional({ type: [String] }) companyIds?: string[];
  @ApiPropertyOptional({ type: [String] }) requestedAttributes?: string[];
  @ApiPropertyOptional({ type: () => FilterGroupDto }) additionalFilters?: FilterGroupDto;
  @ApiPropertyOptional({ enum: ['ASC', 'DESC'] }) sortOrder?: string;
}

export class BankingActivityDto {
  @ApiProperty({ format: 'uuid' }) guid!: string;
  @ApiProperty({ example: 'loginSuccess' }) eventId!: string;
  @ApiProperty({ example: '2026-11-21T09:00:00.000Z' }) timeStamp!: string;
  @ApiPropertyOptional({ enum: ['retail', 'business'], nullable: true }) userType!: string | null;
  @ApiPropertyOptional({ nullable: true }) loginId!: string | null;
  @ApiPropertyOptional({ nullable: true }) customerId!: string | null;
  @ApiPropertyOptional({ nullable: true }) institutionCustomerId!: string | null;
  @ApiPropertyOptional({ nullable: true }) accountType!: string | null;
  @ApiPropertyOptional({ nullable: true }) channel!: string | null;
  @ApiPropertyOptional({ nullable: true }) ipAddress!: string | null;
}

export class SearchResponseDto {
  @ApiProperty({ nullable: true, type: String, description: 'null on the last page' })
  nextPageToken!: string | null;

  @ApiProperty({ description: 'Events in this page' })
  count!: number;

  @ApiProperty({
    type: [BankingActivityDto],
    description: "Each event's fields followed by its type's attributes",
  })
  bankingActivities!: BankingActivityDto[];
}
