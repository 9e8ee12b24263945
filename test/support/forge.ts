import { createSecretKey, randomUUID, type webcrypto } from 'node:crypto';
import { SecretBox } from '@app/common';
import { SignJWT, generateKeyPair, importPKCS8, type JWTPayload } from 'jose';
import { Client } from 'pg';

export type CryptoKey = webcrypto.CryptoKey;

/**
 * The auth-server's active private key (or the one with `kid`), unsealed from its table: lets
 * tests sign with the real key.
 */
export async function realSigningKey(
  databaseUrl: string,
  keyEncryptionKey: string,
  kid?: string,
): Promise<{ kid: string; key: CryptoKey }> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ kid: string; private_key_sealed: string }>(
      kid === undefined
        ? `SELECT kid, private_key_sealed FROM auth.signing_keys WHERE status = 'active'`
        : `SELECT kid, private_key_sealed FROM auth.signing_keys WHERE kid = $1`,
      kid === undefined ? [] : [kid],
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

/** ES256 with the low-S signature the platform issues and accepts (see withS). */
export async function signEs256(
  claims: JWTPayload,
  key: CryptoKey,
  header: { kid: string; typ?: string; crit?: string[]; [name: string]: unknown },
): Promise<string> {
  // jose refuses to sign a `crit` it does not know unless told it is understood.
  const crit = Object.fromEntries((header.crit ?? []).map((name) => [name, true]));
  return withS(
    await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
      .sign(key, { crit }),
    'low',
  );
}

/**
 * The same token with its ES256 signature's low-S or high-S twin (r, n - s): both verify with
 * plain ECDSA, and WebCrypto makes either at random.
 */
export function withS(token: string, form: 'low' | 'high'): string {
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  const isLow = s <= P256_ORDER >> 1n;
  if (isLow === (form === 'low')) return token;
  const twin = Buffer.concat([
    signature.subarray(0, 32),
    Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex'),
  ]);
  return `${token.slice(0, dot)}.${twin.toString('base64url')}`;
}

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

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
