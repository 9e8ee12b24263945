import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PortalEnv } from '../config/portal.env';
import { SessionRepository } from './session.repository';
import type { SignedIn } from './signed-in';

/** How often a session's last-seen time is written (idle expiry has minute precision). */
const TOUCH_EVERY_MS = 60_000;

const hashOf = (id: string): Buffer => createHash('sha256').update(id).digest();

/**
 * Server-side sessions: the cookie holds 32 random bytes; the database only their SHA-256, so a
 * read of the table signs nobody in. A new id at every sign-in (no fixation), an idle and an
 * absolute expiry, and revocation by deleting the row.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly env: PortalEnv,
  ) {}

  /** Starts a session for the developer: the cookie value and who it signs in. */
  async start(developerId: string): Promise<{ id: string; signedIn: SignedIn }> {
    const id = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.env.SESSION_ABSOLUTE_HOURS * 3_600_000);
    await this.sessions.insert(hashOf(id), developerId, expiresAt);
    const signedIn = await this.resolve(id);
    if (!signedIn) throw new Error('a session just started was not found');
    return { id, signedIn };
  }

  /** The signed-in developer for a cookie value, or undefined (unknown, expired, revoked). */
  async resolve(id: string | undefined): Promise<SignedIn | undefined> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const idHash = hashOf(id);
    const row = await this.sessions.findLive(idHash, this.idleSince());
    if (!row) return undefined;
    if (Date.now() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) await this.sessions.touch(idHash);
    return {
      sessionKey: idHash.toString('hex'),
      developerId: row.developerId,
      email: row.email,
      name: row.name,
      verified: row.verified,
      organizationId: row.organizationId,
      institutionId: row.institutionId,
      provisioned: row.provisioned,
    };
  }

  async end(id: string | undefined): Promise<void> {
    if (id) await this.sessions.delete(hashOf(id));
  }

  /** Signs the developer out everywhere (password reset). */
  async endAll(developerId: string): Promise<void> {
    await this.sessions.deleteForDeveloper(developerId);
  }

  private idleSince(): Date {
    return new Date(Date.now() - this.env.SESSION_IDLE_MINUTES * 60_000);
  }
}
