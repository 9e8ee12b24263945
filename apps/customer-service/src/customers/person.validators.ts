import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import {
  birthDateProblem,
  invisibleCharacterProblem,
  nameProblem,
  normalizePhone,
  ssnProblem,
  US_STATES,
} from './person.rules';

type Rule = (value: unknown, args: ValidationArguments) => string | undefined;

/** A class-validator decorator from a rule that returns its problem in words. */
export function Satisfies(
  name: string,
  rule: Rule,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => rule(value, args!) === undefined,
        defaultMessage: (args?: ValidationArguments) => rule(args!.value, args!) ?? 'is invalid',
      },
    },
    options,
  );
}

/** Free text of a person's record (addresses, e-mail): no controls or invisible formatting. */
export const IsVisibleText = () => Satisfies('isVisibleText', invisibleCharacterProblem);

export const IsPersonName = () => Satisfies('isPersonName', nameProblem);
export const IsBirthDate = () => Satisfies('isBirthDate', (v) => birthDateProblem(v));
export const IsSsn = () => Satisfies('isSsn', ssnProblem);

/** A phone number already normalised to E.164 (see the Transform next to it). */
export const IsE164Phone = () =>
  Satisfies('isE164Phone', (v) =>
    typeof v === 'string' && v.startsWith('+') && normalizePhone(v) === v
      ? undefined
      : 'must be a valid phone number (E.164, or national for the address country)',
  );

/** For a US address, a USPS state code; elsewhere any region name. */
export const IsRegion = () =>
  Satisfies('isRegion', (v, args) => {
    if (typeof v !== 'string' || v.length < 1 || v.length > 60) return 'must be 1 to 60 characters';
    const country = (args.object as { country?: unknown }).country;
    if (country === 'US' && !US_STATES.has(v)) return 'must be a USPS state code (e.g. NY)';
    return undefined;
  });

/** A US ZIP (or ZIP+4) for US addresses; elsewhere letters, digits, spaces and hyphens. */
export const IsPostalCode = () =>
  Satisfies('isPostalCode', (v, args) => {
    if (typeof v !== 'string') return 'must be a string';
    const country = (args.object as { country?: unknown }).country;
    if (country === 'US')
      return /^\d{5}(-\d{4})?$/.test(v) ? undefined : 'must be a ZIP code (12345 or 12345-6789)';
    return /^[A-Za-z0-9][A-Za-z0-9 -]{1,15}$/.test(v)
      ? undefined
      : 'must be 2 to 16 letters, digits, spaces or hyphens';
  });
