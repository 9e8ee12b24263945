import { Injectable, OnModuleInit } from '@nestjs/common';
import { Argon2idHasher } from '@app/common';
import { CustomerEnv } from '../config/customer.env';

/** The platform's argon2id hasher (libs/common) with the customer-service's cost settings. */
@Injectable()
export class PasswordHasher extends Argon2idHasher implements OnModuleInit {
  constructor(env: CustomerEnv) {
    super({
      memoryKiB: env.ARGON2_MEMORY_KIB,
      iterations: env.ARGON2_ITERATIONS,
      parallelism: env.ARGON2_PARALLELISM,
    });
  }
}
