import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SessionEntity } from './session.entity';

export interface SessionRow {
  developerId: string;
  lastSeenAt: Date;
  email: string;
  name: string;
  verified: boolean;
  organizationId: string | null;
  institutionId: string | null;
  provisioned: boolean;
}

@Injectable()
export class SessionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(idHash: Buffer, developerId: string, expiresAt: Date): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).insert({ idHash, developerId, expiresAt });
  }

  /** The live session (not past its absolute expiry nor idle since `idleSince`) and its owner. */
  async findLive(idHash: Buffer, idleSince: Date): Promise<SessionRow | undefined> {
    const rows: {
      developer_id: string;
      last_seen_at: Date;
      email: string;
      name: string;
      verified: boolean;
      organization_id: string | null;
      institution_id: string | null;
      provisioned: boolean;
    }[] = await this.dataSource.query(
      `SELECT s.developer_id, s.last_seen_at, d.email, d.name,
              d.email_verified_at IS NOT NULL AS verified,
              d.organization_id, o.institution_id, o.provisioned_at IS NOT NULL AS provisioned
         FROM portal.sessions s
         JOIN portal.developers d ON d.id = s.developer_id
         LEFT JOIN portal.organizations o ON o.id = d.organization_id
        WHERE s.id_hash = $1 AND s.expires_at > now() AND s.last_seen_at > $2`,
      [idHash, idleSince],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      developerId: row.developer_id,
      lastSeenAt: row.last_seen_at,
      email: row.email,
      name: row.name,
      verified: row.verified,
      organizationId: row.organization_id,
      institutionId: row.institution_id,
      provisioned: row.provisioned,
    };
  }

  async touch(idHash: Buffer): Promise<void> {
    await this.dataSource
      .getRepository(SessionEntity)
      .update({ idHash }, { lastSeenAt: new Date() });
  }

  async delete(idHash: Buffer): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).delete({ idHash });
  }

  async deleteForDeveloper(developerId: string): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).delete({ developerId });
  }
}
