/**
 * The comparison server for bench/auth-token.bench.ts: oidc-provider (panva), the widely used
 * open-source Node authorization server, configured like ours for this grant: client_credentials,
 * client_secret_basic, ES256-signed JWT access tokens for one audience. Prints its port.
 */
import { generateKeyPairSync } from 'node:crypto';

async function main(): Promise<void> {
  // oidc-provider is ESM-only; loaded through Node's require(esm).
  const { default: Provider } = await import('oidc-provider');
  const { clientId, clientSecret, port } = JSON.parse(process.argv[2]!) as {
    clientId: string;
    clientSecret: string;
    port: number;
  };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench' };
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // Its only key is ES256 (like ours); the default RS256 would need a second key.
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [jwk] },
    scopes: ['customers:read'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:digital-banking:api',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'customers:read',
          audience: 'urn:digital-banking:api',
          accessTokenTTL: 900,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  provider.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
