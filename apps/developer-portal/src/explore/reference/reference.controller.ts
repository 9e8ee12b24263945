import { createReadStream, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Controller, Get, Param, Query, Render, Req, Res, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { DomainError } from '@app/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CurrentDeveloper } from '../../accounts/current-developer.decorator';
import { OrganizationGuard } from '../../accounts/session.guard';
import type { CurrentDeveloperView } from '../../accounts/signed-in';
import { csrfValid } from '../../web/install-web';
import { PortalErrors } from '../../web/portal-errors';
import { SandboxTokenService, type ExploreApp } from '../sandbox-token.service';
import { DOCUMENT_TITLES, ReferenceDocuments } from './reference.documents';

/** Swagger UI's files, served from the installed swagger-ui-dist (nothing vendored). */
const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_VERSION = (
  JSON.parse(readFileSync(join(SWAGGER_UI_DIR, 'package.json'), 'utf8')) as { version: string }
).version;
const SWAGGER_UI_FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

export const ExploreErrors = {
  noApp: (detail: string) => new DomainError('PORTAL_NO_APP', 'conflict', detail),
  tokenUnavailable: (detail: string) =>
    new DomainError('PORTAL_TOKEN_UNAVAILABLE', 'unavailable', detail),
  crossSite: () =>
    new DomainError(
      'PORTAL_CSRF_REFUSED',
      'forbidden',
      "Sandbox tokens are given to the portal's own pages only.",
    ),
};

/**
 * `/reference`: the three services' OpenAPI documents in Swagger UI, with try-it authorised by
 * a short-lived sandbox token of the developer's own app, fetched by the page from
 * `/reference/token` (never the app's secret). The Swagger UI configuration is a script file
 * (explore/assets/reference.js): the CSP allows no inline script.
 */
@ApiExcludeController()
@Controller()
export class ReferenceController {
  constructor(
    private readonly documents: ReferenceDocuments,
    private readonly tokens: SandboxTokenService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get('reference')
  @UseGuards(OrganizationGuard)
  @Render('explore/views/reference')
  async page(
    @CurrentDeveloper() developer: CurrentDeveloperView,
    @Query('api') api?: string,
    @Query('app') app?: string,
  ) {
    const names = this.documents.names();
    const selected = api && this.documents.has(api) ? api : 'activity-service';
    let apps: ExploreApp[] = [];
    let notice: string | null = null;
    try {
      apps = await this.tokens.apps(developer.institutionId);
    } catch {
      notice = 'Your apps could not be listed just now; try-it may not be authorised.';
    }
    const chosen = apps.find((a) => a.clientId === app) ?? apps[0] ?? null;
    if (!chosen && !notice)
      notice = 'You have no active app: create one on the Apps page to authorise try-it.';
    return {
      title: 'API reference',
      styles: [
        `/assets/explore/swagger-ui/swagger-ui.css?v=${SWAGGER_UI_VERSION}`,
        '/assets/explore/explore.css',
        '/assets/explore/reference.css',
      ],
      scripts: [
        `/assets/explore/swagger-ui/swagger-ui-bundle.js?v=${SWAGGER_UI_VERSION}`,
        '/assets/explore/reference.js',
      ],
      documents: names.map((name) => ({
        name,
        title: DOCUMENT_TITLES[name],
        selected: name === selected,
      })),
      selected,
      selectedTitle: DOCUMENT_TITLES[selected as keyof typeof DOCUMENT_TITLES],
      apps,
      app: chosen,
      notice,
    };
  }

  /** The document as Swagger UI and a download get it; `?download=1` saves it as a file. */
  @Get('reference/openapi/:file')
  @UseGuards(OrganizationGuard)
  async document(
    @Param('file') file: string,
    @Query('download') download: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const name = file.replace(/\.json$/, '');
    if (!file.endsWith('.json') || !this.documents.has(name)) throw PortalErrors.notFound();
    const doc = await this.documents.document(name);
    if (!doc) throw PortalErrors.unavailable(`The ${name} document is not available just now.`);
    void reply.type('application/json; charset=utf-8');
    if (download)
      void reply.header('Content-Disposition', `attachment; filename="${name}.openapi.json"`);
    void reply.send(JSON.stringify(doc, null, 2));
  }

  /**
   * A short-lived sandbox token of one of the developer's apps, for the reference page's
   * script. It is a credential, so: the session cookie (SameSite) and the page's CSRF token in
   * the `X-CSRF-Token` header (a cross-site page, form or `<script src>` can send neither: a
   * custom header needs a CORS preflight the portal never grants), a browser's own
   * `Sec-Fetch-Site` when it sends one, and `Cache-Control: no-store`. The answer is a JSON
   * object, never an array or a callback, so it means nothing as a script (XSSI).
   */
  @Get('reference/token')
  @UseGuards(OrganizationGuard)
  async token(
    @CurrentDeveloper() developer: CurrentDeveloperView,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('app') app?: string,
  ): Promise<void> {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') throw ExploreErrors.crossSite();
    if (typeof request.headers['x-csrf-token'] !== 'string') throw PortalErrors.csrfRefused();
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    if (!(await csrfValid(fastify, request))) throw PortalErrors.csrfRefused();
    const result = await this.tokens.tokenFor(developer.institutionId, [], app);
    if (!result.ok) {
      throw result.reason === 'no-app'
        ? ExploreErrors.noApp(result.detail)
        : ExploreErrors.tokenUnavailable(result.detail);
    }
    const t = result.token;
    void reply
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache')
      .type('application/json; charset=utf-8')
      .send({
        access_token: t.accessToken,
        token_type: 'Bearer',
        expires_in: Math.max(0, Math.floor((t.expiresAt - Date.now()) / 1000)),
        expires_at: new Date(t.expiresAt).toISOString(),
        scope: t.scope,
        app: { clientId: t.app.clientId, name: t.app.name },
      });
  }

  /** Swagger UI's script and stylesheet (under /assets/: cached, no session lookup). */
  @Get('assets/explore/swagger-ui/:file')
  swaggerUi(@Param('file') file: string, @Res() reply: FastifyReply): void {
    const type = SWAGGER_UI_FILES[file];
    if (!type) throw PortalErrors.notFound();
    void reply
      .type(type)
      .header('Cache-Control', 'public, max-age=86400')
      .send(createReadStream(join(SWAGGER_UI_DIR, file)));
  }
}
