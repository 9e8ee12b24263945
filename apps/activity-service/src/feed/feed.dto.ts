import { ApiProperty } from '@nestjs/swagger';
import { BankingActivityDto } from '../search/search.dto';

/* The feed's answer; its request body is defined in feed.schema.ts. */

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
