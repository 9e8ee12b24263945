import 'reflect-metadata';
import { HttpAdapterHost } from '@nestjs/core';
import { bootstrap, reportStartupFailure, ProblemFilter, type BootstrapOptions } from '@app/common';
import { AuthServerModule } from './app.module';
import { AuthEnv } from './config/auth.env';
import { FORM_BODY_LIMIT_BYTES } from './tokens/form-limit';
import { OAuthErrorFilter, OAuthPathsFilter } from './tokens/oauth-error.filter';

export const authServerOptions: BootstrapOptions = {
  title: 'auth-server',
  description:
    "OAuth 2.0 authorization server: client credentials for server-side apps, the password grant for an FI's mobile app, " +
    'refresh tokens, ES256 JWT access tokens (RFC 9068), JWKS, metadata (RFC 8414), introspection (RFC 7662), revocation (RFC 7009).',
  portEnv: 'AUTH_PORT',
  // The whole platform's API reference (/reference), through the gateway too.
  reference: true,
  configure: (app) => {
    // OAuth endpoints are form-encoded (RFC 6749); repeated parameters stay visible as arrays.
    app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: FORM_BODY_LIMIT_BYTES });
    // A form refused before its route runs (too large) still answers in RFC 6749's shape.
    const problems = new ProblemFilter(app.get(HttpAdapterHost), app.get(AuthEnv).BODY_LIMIT_BYTES);
    app.useGlobalFilters(new OAuthPathsFilter(new OAuthErrorFilter(), problems));
  },
};

if (require.main === module) {
  bootstrap(AuthServerModule, authServerOptions).catch((err: unknown) => {
    reportStartupFailure('auth-server', err);
    process.exit(1);
  });
}
