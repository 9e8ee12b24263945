import { Module } from '@nestjs/common';
import { HousekeepingJob } from './housekeeping.job';
import { HousekeepingService } from './housekeeping.service';

@Module({
  providers: [HousekeepingService, HousekeepingJob],
  exports: [HousekeepingJob],
})
export class HousekeepingModule {}
