import { createSecretKey, randomUUID, type webcrypto } from 'node:crypto';
import { SecretBox } from '@app/common';
import { SignJWT, generateKeyPair, importPKCS8, type JWTPayload } from 'jose';
import { Client } from 'pg';

export type CryptoKey = webcrypto.CryptoKey;

/** The auth-server's active private key, unsealed from its table: lets tests sign with the real key. */
export async function realSigningKey(
  databaseUrl: string,
  keyEncryptionKey: string,
): Promise<{ kid: string; key: CryptoKey }> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ kid: string; private_key_sealed: string }>(
      `SELECT kid, private_key_sealed FROM auth.signing_keys WHERE status = 'active'`,
    );
    const row = rows[0]!;
    const pem = SecretBox.fromString(keyEncryptionKey)
      .open(row.private_key_sealed, row.kid)
      .toString('utf8');
    return { kid: row.kid, key: await importPKCS8(pem, 'ES256') };
  } finally {
    await pg.end();
  }
}

export function claimsFor(issuer: string, overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: 'digital-banking-api',
    sub: 'cl_forged',
    client_id: 'cl_forged',
    institution_id: 'fi-one',
    scope: 'customers:read',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...overrides,
  };
}

export async function signEs256(
  claims: JWTPayload,
  key: CryptoKey,
  header: { kid: string; typ?: string },
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
    .sign(key);
}

/** A key the auth-server never published. */
export async function foreignKey(): Promise<CryptoKey> {
  return (await generateKeyPair('ES256')).privateKey;
}

export async function signHs256(claims: JWTPayload, secret: string, kid: string): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
    .sign(createSecretKey(Buffer.from(secret)));
}

/** An unsigned token (`alg: none`). */
export function unsigned(claims: JWTPayload, kid: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'at+jwt', kid })}.${part(claims)}.`;
}
