import 'reflect-metadata';
import { bootstrap, type BootstrapOptions } from '@app/common';
import { AuthServerModule } from './app.module';

export const authServerOptions: BootstrapOptions = {
  title: 'auth-server',
  description:
    "OAuth 2.0 authorization server: client credentials for server-side apps, the password grant for an FI's mobile app, " +
    'refresh tokens, ES256 JWT access tokens (RFC 9068), JWKS, metadata (RFC 8414), introspection (RFC 7662), revocation (RFC 7009).',
  portEnv: 'AUTH_PORT',
  defaultPort: 3001,
  // Fastify: the token endpoint is the platform's hottest path (docs/BENCHMARKS.md).
  platform: 'fastify',
  configure: (app) => {
    // OAuth endpoints are form-encoded (RFC 6749); repeated parameters stay visible as arrays.
    app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: 16_384 });
  },
};

if (require.main === module) {
  bootstrap(AuthServerModule, authServerOptions).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
