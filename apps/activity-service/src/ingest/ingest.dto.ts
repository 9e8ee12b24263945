import { ApiProperty } from '@nestjs/swagger';

/* The batch's answer; its request body is defined in batch.schema.ts. */

export class BatchResponseDto {
  @ApiProperty({ description: 'Events stored by this request' })
  accepted!: number;

  @ApiProperty({ description: 'Events whose guid was already stored (or repeated in the batch)' })
  duplicates!: number;
}
