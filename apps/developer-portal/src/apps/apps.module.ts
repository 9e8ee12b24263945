import { Module } from '@nestjs/common';
import { AppsController } from './apps.controller';
import { AppsService } from './apps.service';

/** The organization's apps (exported for the explore pages: AppsService.owned before try-it). */
@Module({ controllers: [AppsController], providers: [AppsService], exports: [AppsService] })
export class AppsModule {}
