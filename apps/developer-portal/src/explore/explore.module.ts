import { Module } from '@nestjs/common';

/**
 * The explore pages (/reference, /test-drive, /deliveries): their controllers, templates
 * (explore/views) and scripts (explore/assets, served at /assets/explore/) go here.
 */
@Module({})
export class ExploreModule {}
