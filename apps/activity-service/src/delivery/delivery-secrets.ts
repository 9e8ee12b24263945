import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { SecretBox } from '@app/common';
import { ActivityEnv } from '../config/activity.env';

/**
 * Seals webhook secrets and SFTP credentials at rest with DELIVERY_SECRET_KEY, each bound to
 * its subscription and purpose (AAD), so a sealed value cannot be moved to another row.
 */
@Injectable()
export class DeliverySecrets {
  private readonly box: SecretBox;

  constructor(env: ActivityEnv) {
    if (env.DELIVERY_SECRET_KEY) this.box = SecretBox.fromString(env.DELIVERY_SECRET_KEY);
    else {
      // Allowed outside production only (ActivityEnv).
      this.box = new SecretBox(randomBytes(32));
      new Logger(DeliverySecrets.name).warn(
        'DELIVERY_SECRET_KEY is unset: using a random key; stored webhook secrets and SFTP credentials will not open after a restart',
      );
    }
  }

  seal(subscriptionId: string, purpose: 'webhook' | 'sftp', value: string): string {
    return this.box.seal(value, `${subscriptionId}:${purpose}`);
  }

  open(subscriptionId: string, purpose: 'webhook' | 'sftp', sealed: string): string {
    return this.box.open(sealed, `${subscriptionId}:${purpose}`).toString('utf8');
  }
}
