import {
  FI_SCOPES,
  PLATFORM_INSTITUTION_ID,
  Scope,
  isKnownScope,
  type AccessPrincipal,
  type FieldError,
} from '@app/common';
import { AuthErrors } from './auth.errors';
import type { CreateClientDto } from './client.dto';

export const isPlatformAdmin = (p: AccessPrincipal): boolean =>
  p.institutionId === PLATFORM_INSTITUTION_ID;

/** The institution an admin request may act on: its own, or any for the platform admin. */
export function scopeInstitution(
  admin: AccessPrincipal,
  requested: string | undefined,
): string | undefined {
  if (isPlatformAdmin(admin)) return requested;
  if (requested !== undefined && requested !== admin.institutionId)
    throw AuthErrors.institutionForbidden();
  return admin.institutionId;
}

/**
 * The scopes this admin may put in a client or a try-it token: FI scopes, and clients:admin
 * for the platform admin; never an internal scope (those belong to the platform's services).
 */
export const grantableScopes = (admin: AccessPrincipal): readonly string[] =>
  isPlatformAdmin(admin) ? [...FI_SCOPES, Scope.ClientsAdmin] : FI_SCOPES;

/**
 * What a new client may hold: known scopes only; FI admins grant FI scopes to their own FI;
 * only the platform admin grants clients:admin or creates platform clients.
 */
export function checkNewClient(admin: AccessPrincipal, dto: CreateClientDto): void {
  scopeInstitution(admin, dto.institutionId);
  const errors: FieldError[] = [];
  const grantable = grantableScopes(admin);
  dto.scopes.forEach((scope, i) => {
    if (!isKnownScope(scope))
      errors.push({ pointer: `/scopes/${i}`, detail: `unknown scope ${scope}` });
    else if (!grantable.includes(scope))
      errors.push({
        pointer: `/scopes/${i}`,
        detail: `scope ${scope} cannot be granted by this admin`,
      });
  });
  (dto.defaultScopes ?? []).forEach((scope, i) => {
    if (!dto.scopes.includes(scope))
      errors.push({
        pointer: `/defaultScopes/${i}`,
        detail: `default scope ${scope} is not in scopes`,
      });
  });
  if (dto.institutionId === PLATFORM_INSTITUTION_ID && !isPlatformAdmin(admin)) {
    errors.push({ pointer: '/institutionId', detail: 'reserved for the platform' });
  }
  if (errors.length > 0) throw AuthErrors.invalidClientRequest(errors);
}
