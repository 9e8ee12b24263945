import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv, toInt } from './env';

/** The argon2id cost settings of the apps that hash passwords (customer-service, developer portal). */
export class PasswordHashingEnv extends CommonEnv {
  /** argon2id cost; the defaults are OWASP's (19 MiB, 2 passes, 1 lane). */
  @toInt()
  @IsInt()
  @Min(7_168)
  @Max(1_048_576)
  ARGON2_MEMORY_KIB = 19_456;

  @toInt()
  @IsInt()
  @Min(1)
  @Max(10)
  ARGON2_ITERATIONS = 2;

  @toInt()
  @IsInt()
  @Min(1)
  @Max(8)
  ARGON2_PARALLELISM = 1;
}
