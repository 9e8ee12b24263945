import { Injectable } from '@nestjs/common';
import { FI_SCOPES, type FieldError } from '@app/common';
import {
  PlatformClient,
  type PlatformApp,
  type PlatformAppWithSecret,
} from '../platform/platform-client';
import { FIRST_APP_GRANT_TYPES } from '../organizations/provisioning.service';
import { AppErrors } from './apps.errors';

/** The overlaps a developer can choose when rotating a Secret Key (seconds the old one keeps working). */
export const ROTATION_OVERLAPS: readonly { seconds: number; label: string }[] = [
  { seconds: 0, label: 'None: the old Secret Key stops working now' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 604_800, label: '7 days' },
];

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,64}$/;
const NAME_MAX = 100;

/**
 * An organization's apps at the auth-server. Every action first checks that the app belongs to
 * the organization's FI: another organization's app answers as an unknown one.
 */
@Injectable()
export class AppsService {
  constructor(private readonly platform: PlatformClient) {}

  /** The organization's apps, active first, newest first. */
  async list(institutionId: string): Promise<PlatformApp[]> {
    const apps = await this.platform.listApps(institutionId);
    return apps.sort(
      (a, b) =>
        Number(a.status !== 'active') - Number(b.status !== 'active') ||
        b.createdAt.localeCompare(a.createdAt),
    );
  }

  /** One of the organization's apps; 404 for anything else (unknown or another FI's). */
  async owned(institutionId: string, clientId: string): Promise<PlatformApp> {
    if (!CLIENT_ID.test(clientId)) throw AppErrors.notFound();
    const app = await this.platform.getApp(clientId);
    if (!app || app.institutionId !== institutionId) throw AppErrors.notFound();
    return app;
  }

  async create(
    institutionId: string,
    input: { name: string; scopes: string[] },
  ): Promise<PlatformAppWithSecret> {
    const errors: FieldError[] = [];
    const name = input.name.trim();
    if (name.length === 0) errors.push({ pointer: '/name', detail: 'Enter a name for the app.' });
    else if ([...name].length > NAME_MAX || /\p{Cc}/u.test(name))
      errors.push({ pointer: '/name', detail: `The name must be at most ${NAME_MAX} characters.` });
    const scopes = [...new Set(input.scopes)];
    if (scopes.length === 0)
      errors.push({ pointer: '/scopes', detail: 'Choose at least one scope.' });
    else if (scopes.some((s) => !(FI_SCOPES as readonly string[]).includes(s)))
      errors.push({ pointer: '/scopes', detail: 'Choose scopes from the list.' });
    if (errors.length > 0) throw AppErrors.invalidFields(errors);
    return this.platform.createApp({
      institutionId,
      name,
      scopes,
      grantTypes: FIRST_APP_GRANT_TYPES,
    });
  }

  /** A new Secret Key; the old one works for the chosen overlap (one of ROTATION_OVERLAPS). */
  async rotate(
    institutionId: string,
    clientId: string,
    overlapSeconds: number,
  ): Promise<PlatformAppWithSecret> {
    if (!ROTATION_OVERLAPS.some((o) => o.seconds === overlapSeconds))
      throw AppErrors.invalidFields([
        { pointer: '/overlap', detail: 'Choose an overlap from the list.' },
      ]);
    const app = await this.owned(institutionId, clientId);
    if (app.status !== 'active') throw AppErrors.disabled();
    return this.platform.rotateSecret(app.clientId, overlapSeconds);
  }

  /** Revokes an app: no new tokens; its tokens are refused everywhere within 5 s. */
  async revoke(institutionId: string, clientId: string): Promise<PlatformApp> {
    const app = await this.owned(institutionId, clientId);
    if (app.status !== 'active') return app;
    return this.platform.disableApp(app.clientId);
  }
}
