import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BankingActivityDto } from '../search/search.dto';
import { FEED_LIMITS } from './feed.service';

/* OpenAPI descriptions; feed requests are validated by FeedService.parse. */

export class FeedRequestDto {
  @ApiPropertyOptional({ description: 'The cursor of the previous answer; resumes right after it' })
  cursor?: string;

  @ApiPropertyOptional({
    enum: ['earliest', 'latest'],
    default: 'earliest',
    description: 'Without a cursor: the oldest retained event, or only events from now on',
  })
  from?: string;

  @ApiPropertyOptional({
    default: FEED_LIMITS.defaultLimit,
    maximum: FEED_LIMITS.maxLimit,
    minimum: 1,
  })
  limit?: number;

  @ApiPropertyOptional({ type: [String], description: 'Only these event types' })
  eventIds?: string[];
}

export class FeedResponseDto {
  @ApiProperty({ description: 'Pass it back to continue; valid for this institution only' })
  cursor!: string;

  @ApiProperty({ description: 'More events are already waiting: read again at once' })
  hasMore!: boolean;

  @ApiProperty()
  count!: number;

  @ApiProperty({ type: [BankingActivityDto] })
  bankingActivities!: BankingActivityDto[];
}
