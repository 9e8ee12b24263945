import { Module } from '@nestjs/common';
import { HousekeepingJob } from './housekeeping.job';
import { HousekeepingRepository } from './housekeeping.repository';

@Module({ providers: [HousekeepingRepository, HousekeepingJob], exports: [HousekeepingJob] })
export class HousekeepingModule {}
