import { Module } from '@nestjs/common';
import { OrganizationRepository } from './organization.repository';
import { ProvisioningPages } from './provisioning.pages';
import { ProvisioningService } from './provisioning.service';
import { WelcomeController } from './welcome.controller';

/** The developer's sandbox organization: provisioning and /welcome. */
@Module({
  controllers: [WelcomeController],
  providers: [OrganizationRepository, ProvisioningService, ProvisioningPages],
  exports: [OrganizationRepository, ProvisioningService, ProvisioningPages],
})
export class OrganizationsModule {}
