import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { SecretBox } from '@app/common';
import { CustomerEnv } from '../config/customer.env';

/**
 * Seals SSNs with AES-256-GCM (SecretBox), the customer id as associated data so a sealed
 * value copied to another row does not open. The key comes from SSN_ENCRYPTION_KEY; outside
 * production, when it is not set, one is generated once and kept in SSN_KEY_FILE (.data/).
 */
@Injectable()
export class SsnCipher {
  private readonly logger = new Logger(SsnCipher.name);
  private readonly box: SecretBox;
  private readonly keyMaterial: string;

  constructor(env: CustomerEnv) {
    this.keyMaterial = env.SSN_ENCRYPTION_KEY ?? this.localKey(env.SSN_KEY_FILE);
    this.box = SecretBox.fromString(this.keyMaterial);
  }

  seal(ssn: string, customerId: string): string {
    return this.box.seal(ssn, customerId);
  }

  open(sealed: string, customerId: string): string {
    return this.box.open(sealed, customerId).toString('utf8');
  }

  /**
   * A separate 256-bit key for another purpose (HKDF-SHA256 of this one), so the service
   * needs one secret, and a leak of a derived key reveals nothing about the SSN key.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.keyMaterial, '', `customer-service:${purpose}`, 32));
  }

  private localKey(file: string): string {
    const path = resolve(file);
    if (existsSync(path)) return readFileSync(path, 'utf8').trim();
    const key = randomBytes(32).toString('base64url');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
    this.logger.warn({ path }, 'SSN_ENCRYPTION_KEY not set: generated a local key');
    return key;
  }
}
