/** The largest form an OAuth endpoint reads (a token request is a few hundred bytes). */
export const FORM_BODY_LIMIT_BYTES = 16_384;
