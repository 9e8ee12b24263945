import { Injectable, OnModuleInit } from '@nestjs/common';
import { Argon2idHasher } from '@app/common';
import { PortalEnv } from '../config/portal.env';

/** The platform's argon2id hasher (libs/common) with the portal's cost settings. */
@Injectable()
export class PortalPasswordHasher extends Argon2idHasher implements OnModuleInit {
  constructor(env: PortalEnv) {
    super({
      memoryKiB: env.ARGON2_MEMORY_KIB,
      iterations: env.ARGON2_ITERATIONS,
      parallelism: env.ARGON2_PARALLELISM,
    });
  }
}
