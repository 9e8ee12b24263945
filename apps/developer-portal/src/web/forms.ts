import { DomainError } from '@app/common';

/** A form field's value as text ('' when absent or sent more than once). */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** Every value of a repeated field (checkboxes). */
export function fields(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Field errors of a DomainError by field name (`/email` -> `email`), for the form's template. */
export function fieldErrors(err: unknown): Record<string, string> | undefined {
  if (!(err instanceof DomainError) || !err.options.errors?.length) return undefined;
  return Object.fromEntries(
    err.options.errors.map((e) => [e.pointer.replace(/^\//, ''), e.detail]),
  );
}

/**
 * A local path to go on to after logging in: only this portal's own pages (`/apps`), never
 * another site (`//evil.example`, `/\evil.example`, `https://...`).
 */
export function safeNext(next: string | undefined, fallback: string): string {
  if (!next || !/^\/(?![/\\])[\x21-\x7e]*$/.test(next) || next.startsWith('/logout'))
    return fallback;
  return next;
}
