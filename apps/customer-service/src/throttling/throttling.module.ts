import { Module } from '@nestjs/common';
import { RegistrationThrottle } from './registration-throttle.service';
import { RegistrationThrottleGuard } from './registration-throttle.guard';

@Module({
  providers: [RegistrationThrottle, RegistrationThrottleGuard],
  exports: [RegistrationThrottle, RegistrationThrottleGuard],
})
export class ThrottlingModule {}
