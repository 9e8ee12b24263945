import { Module } from '@nestjs/common';
import { RateLimiterService } from './rate-limiter.service';
import { RegistrationThrottleGuard } from './registration-throttle.guard';

@Module({
  providers: [RateLimiterService, RegistrationThrottleGuard],
  exports: [RateLimiterService, RegistrationThrottleGuard],
})
export class ThrottlingModule {}
