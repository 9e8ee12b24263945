import { Global, Module } from '@nestjs/common';
import { PlatformClient } from './platform-client';

/** The portal's HTTP client of the other services; global so that every feature module has it. */
@Global()
@Module({ providers: [PlatformClient], exports: [PlatformClient] })
export class PlatformClientModule {}
