import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** The HMAC key of a `whsec_...` secret (its base64 part, decoded). */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-signature` holds one
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per live secret, space-separated (two while
 * a rotated-out secret is still honoured).
 */
export function webhookHeaders(
  id: string,
  timestampSeconds: number,
  body: string,
  secrets: string[],
): Record<string, string> {
  const signed = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map(
    (s) => `v1,${createHmac('sha256', secretKey(s)).update(signed).digest('base64')}`,
  );
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}
