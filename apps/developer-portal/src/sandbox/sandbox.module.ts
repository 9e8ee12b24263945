import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { SandboxController } from './sandbox.controller';
import { SandboxService } from './sandbox.service';

@Module({
  imports: [OrganizationsModule],
  controllers: [SandboxController],
  providers: [SandboxService],
})
export class SandboxModule {}
