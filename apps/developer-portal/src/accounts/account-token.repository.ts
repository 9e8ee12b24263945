import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountTokenEntity, type AccountTokenPurpose } from './account-token.entity';

@Injectable()
export class AccountTokenRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    tokenHash: Buffer,
    developerId: string,
    purpose: AccountTokenPurpose,
    expiresAt: Date,
  ): Promise<void> {
    await this.dataSource
      .getRepository(AccountTokenEntity)
      .insert({ tokenHash, developerId, purpose, expiresAt });
  }

  /** The developer a live (unused, unexpired) token belongs to, without using it. */
  async peek(tokenHash: Buffer, purpose: AccountTokenPurpose): Promise<string | undefined> {
    const rows: { developer_id: string }[] = await this.dataSource.query(
      `SELECT developer_id FROM portal.account_tokens
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [tokenHash, purpose],
    );
    return rows[0]?.developer_id;
  }

  /** Uses a live token (once: a second use finds it used); its developer, or undefined. */
  async consume(tokenHash: Buffer, purpose: AccountTokenPurpose): Promise<string | undefined> {
    const rows: [{ developer_id: string }[], number] = await this.dataSource.query(
      `UPDATE portal.account_tokens SET used_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        RETURNING developer_id`,
      [tokenHash, purpose],
    );
    return rows[0][0]?.developer_id;
  }

  /** Retires the developer's other live links of that purpose (only the newest works). */
  async retireAll(developerId: string, purpose: AccountTokenPurpose): Promise<void> {
    await this.dataSource.query(
      `UPDATE portal.account_tokens SET used_at = now()
        WHERE developer_id = $1 AND purpose = $2 AND used_at IS NULL`,
      [developerId, purpose],
    );
  }
}
