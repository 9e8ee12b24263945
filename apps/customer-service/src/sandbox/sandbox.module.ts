import { Module } from '@nestjs/common';
import { DisclosuresModule } from '../disclosures/disclosures.module';
import { RegistrationModule } from '../registration/registration.module';
import { SandboxController } from './sandbox.controller';
import { SandboxService } from './sandbox.service';

@Module({
  imports: [DisclosuresModule, RegistrationModule],
  controllers: [SandboxController],
  providers: [SandboxService],
})
export class SandboxModule {}
