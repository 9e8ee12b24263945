import { Matches } from 'class-validator';
import { INSTITUTION_ID_PATTERN } from './sandbox-roster';

/**
 * The `{institutionId}` of the sandbox routes (both services): any well-formed institution id
 * passes here (400 otherwise); whether it is a sandbox FI is the service's rule (403).
 */
export class SandboxInstitutionParam {
  @Matches(INSTITUTION_ID_PATTERN, {
    message: 'must be 1 to 64 letters, digits, _ or -',
  })
  institutionId!: string;
}
