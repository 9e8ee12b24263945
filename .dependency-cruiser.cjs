/**
 * Layer rules (npm run lint). One platform, one seam: apps never import each other, libs/common
 * imports no app, controllers reach data through services, services through repositories, and
 * no service sees the HTTP framework or the database driver.
 */
const SERVICE = '\\.service\\.ts$';
const CONTROLLER = '\\.controller\\.ts$';
const REPOSITORY = '\\.repository\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes a module impossible to load or test on its own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'apps-never-import-each-other',
      comment: 'What two apps share lives in libs/common (@app/common).',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'common-imports-no-app',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(apps|scripts|test|bench)/' },
    },
    {
      name: 'sources-import-no-tests-or-tools',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'controllers-use-services-not-repositories',
      comment: 'A controller speaks HTTP and hands plain inputs to a service.',
      severity: 'error',
      from: { path: CONTROLLER },
      to: { path: [REPOSITORY, '/unit-of-work\\.ts$', '/migrations/'] },
    },
    {
      name: 'services-see-no-framework-or-driver',
      comment:
        'Services take plain inputs and reach data only through repositories: no Fastify request or reply, no TypeORM DataSource.',
      severity: 'error',
      from: { path: SERVICE, pathNot: '\\.spec\\.ts$' },
      to: {
        path: [
          '^node_modules/fastify/',
          '^node_modules/@nestjs/platform-fastify/',
          '^node_modules/typeorm/',
          '^node_modules/@nestjs/typeorm/',
          '^node_modules/pg/',
          '^node_modules/pg-query-stream/',
          '^node_modules/pg-copy-streams/',
        ],
      },
    },
    {
      name: 'repositories-depend-on-nothing-above-them',
      severity: 'error',
      from: { path: REPOSITORY },
      to: { path: [SERVICE, CONTROLLER, '\\.presenter\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|\\.data|coverage)/' },
    // Type-only imports count: a service importing `type FastifyRequest` still sees Fastify.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
