# syntax=docker/dockerfile:1
# One image per service: docker build --build-arg APP=auth-server|customer-service|activity-service|developer-portal .
# Node 24 LTS, the line package.json pins for development (devDependencies.node, engines).
ARG NODE_IMAGE=node:24.21-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: they belong to development tools (the embedded PostgreSQL; the `node`
# package, whose pinned Node the image already is), so the image's own Node builds and runs.
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs libs
COPY apps apps
COPY scripts scripts
COPY bench bench
RUN npm run build && npm prune --omit=dev --ignore-scripts
# What an app reads at run time besides its compiled code, put beside it in dist: the developer
# portal's templates and static files, and the Postman and OpenAPI files it serves (nothing for
# the others; the reference falls back to docs/openapi when a service serves no /docs-json).
ARG APP
COPY docs/postman docs/postman
COPY docs/openapi docs/openapi
RUN mkdir -p dist/docs \
  && if [ "${APP}" = developer-portal ]; then \
       (cd apps/developer-portal/src && find . \( -name '*.eta' -o -path '*/assets/*' \) -type f \
         -exec cp --parents {} ../../../dist/apps/developer-portal/src/ \;) \
       && cp -r docs/postman dist/docs/postman && cp -r docs/openapi dist/docs/openapi; \
     fi

FROM ${NODE_IMAGE} AS runtime
ARG APP
ENV NODE_ENV=production \
    APP=${APP}
WORKDIR /app
COPY --from=build --chown=node:node /src/package.json ./
COPY --from=build --chown=node:node /src/node_modules ./node_modules
COPY --from=build --chown=node:node /src/dist/libs ./dist/libs
COPY --from=build --chown=node:node /src/dist/apps/${APP} ./dist/apps/${APP}
COPY --from=build --chown=node:node /src/dist/docs ./dist/docs
USER node
EXPOSE 3001 3002 3003 3004
# PORT is the service's own port (AUTH_PORT / CUSTOMER_PORT / ACTIVITY_PORT / PORTAL_PORT), set by compose.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The OpenTelemetry preload starts tracing before the service loads, when
# OTEL_EXPORTER_OTLP_ENDPOINT is set; unset, it loads nothing.
CMD ["sh", "-c", "exec node --require ./dist/libs/common/src/telemetry/preload.js dist/apps/${APP}/src/main.js"]
