import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CHANNELS, USER_TYPES } from '../catalogue/event-catalogue';
import { MAX_BATCH_EVENTS } from '../storage/schema';

/* OpenAPI descriptions; batches are validated by validateBatch (batch.validator.ts). */

export class ActivityEventDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Idempotency key: a guid already stored is counted as a duplicate',
  })
  guid!: string;

  @ApiProperty({ example: 'loginSuccess', description: 'An event type of GET .../event-types' })
  eventId!: string;

  @ApiProperty({
    example: '2026-11-21T09:00:00.000Z',
    description: 'ISO 8601 with zone; kept to the millisecond',
  })
  timeStamp!: string;

  @ApiPropertyOptional({
    example: 'sandbox-fi',
    description:
      "Required with an internal:events:write token; otherwise the token's FI (or absent)",
  })
  institutionId?: string;

  @ApiProperty({ enum: USER_TYPES })
  userType!: string;

  @ApiProperty({ example: 'jdoe2026' })
  loginId!: string;

  @ApiPropertyOptional({ format: 'uuid' })
  customerId?: string;

  @ApiPropertyOptional({
    description: 'Company id; required for business users, refused for retail',
  })
  institutionCustomerId?: string;

  @ApiPropertyOptional({ example: 'checking' })
  accountType?: string;

  @ApiPropertyOptional({ enum: CHANNELS })
  channel?: string;

  @ApiPropertyOptional({ example: '203.0.113.7' })
  ipAddress?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { clientId: 'sandbox-app' },
    description:
      "The event type's attributes: unknown ones are refused, required ones must be present",
  })
  attributes?: Record<string, unknown>;
}

export class BatchRequestDto {
  @ApiProperty({ type: [ActivityEventDto], minItems: 1, maxItems: MAX_BATCH_EVENTS })
  events!: ActivityEventDto[];
}

export class BatchResponseDto {
  @ApiProperty({ description: 'Events stored by this request' })
  accepted!: number;

  @ApiProperty({ description: 'Events whose guid was already stored (or repeated in the batch)' })
  duplicates!: number;
}
