import type { PublishDisclosureDto } from './disclosure.dto';

/**
 * E-sign consent, version 1, optional: the first example of POST /customers/v2/disclosures, and
 * what a developer portal's sandbox FI starts with (the sandbox seed publishes every default).
 */
export const E_SIGN_CONSENT: Readonly<PublishDisclosureDto> = {
  disclosureId: 'e-sign-consent',
  version: '1',
  name: 'Electronic signature consent',
  required: false,
  content: 'I agree to receive disclosures and statements electronically.',
};

/** The disclosures a new sandbox FI is given (its sample customers accept each of them). */
export const DEFAULT_DISCLOSURES: readonly Readonly<PublishDisclosureDto>[] = [E_SIGN_CONSENT];
