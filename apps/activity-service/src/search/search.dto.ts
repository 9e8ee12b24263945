import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/* The answers' shapes; the request bodies are defined in search.schema.ts. */

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
