/**
 * What a route's decorators tell the OpenAPI document beyond what @nestjs/swagger records by
 * itself: who may call it with which scopes (the guards), and the problem codes each error status
 * can carry. Decorators merge into one operation extension each (whatever their order, and from a
 * controller or a method); finishDocument (openapi.ts) turns them into `security` and typed error
 * responses, and removes them.
 */
/** Who a route is for (CallerKind of auth/guards.ts, repeated here so that guards can import this file). */
type CallerKind = 'app' | 'customer' | 'app-or-customer' | 'platform';

/** @nestjs/swagger's metadata key for operation extensions (DECORATORS.API_EXTENSION). */
const API_EXTENSION = 'swagger/apiExtension';
/** @nestjs/common's METHOD_METADATA: present on a handler. */
const METHOD_METADATA = 'method';

export const X_AUTH = 'x-auth';
export const X_PROBLEMS = 'x-problems';
export const X_OAUTH_ERRORS = 'x-oauth-errors';

export interface AuthDoc {
  scopes?: string[];
  anyOf?: boolean;
  kind?: CallerKind;
}

/** Per status: the stable codes and what they mean. */
export type ErrorsDoc = Record<string, { codes: string[]; description: string }>;

type Target = object | ((...args: unknown[]) => unknown);

function merge<T>(target: Target, key: string, update: (old: T | undefined) => T): void {
  const extensions = (Reflect.getMetadata(API_EXTENSION, target) ?? {}) as Record<string, unknown>;
  Reflect.defineMetadata(
    API_EXTENSION,
    { ...extensions, [key]: update(extensions[key] as T | undefined) },
    target,
  );
}

/** A decorator that merges into the operation extension `key` of a handler, or of every handler of a controller. */
export function mergeOperationExtension<T>(
  key: string,
  update: (old: T | undefined) => T,
): MethodDecorator & ClassDecorator {
  return ((target: Target, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      merge(descriptor.value as Target, key, update);
      return descriptor;
    }
    const proto = (target as { prototype?: Record<string, unknown> }).prototype ?? {};
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const handler = Object.getOwnPropertyDescriptor(proto, name)?.value as Target | undefined;
      if (handler && Reflect.hasMetadata(METHOD_METADATA, handler)) merge(handler, key, update);
    }
    return target;
  }) as MethodDecorator & ClassDecorator;
}

const mergeErrors =
  (status: number, codes: string[], description: string) =>
  (old: ErrorsDoc | undefined): ErrorsDoc => {
    const entry = old?.[status];
    return {
      ...old,
      [status]: {
        codes: [...new Set([...(entry?.codes ?? []), ...codes])],
        description: entry ? `${entry.description} ${description}`.trim() : description,
      },
    };
  };

/**
 * Documents an error status as `application/problem+json` (the shared Problem schema) with the
 * stable codes it can carry. Several on one route for one status add up.
 */
export const ApiProblem = (status: number, codes: string[], description = '') =>
  mergeOperationExtension<ErrorsDoc>(X_PROBLEMS, mergeErrors(status, codes, description));

/** The same for the OAuth endpoints, whose errors are RFC 6749's `{error, error_description}`. */
export const ApiOAuthError = (status: number, errors: string[], description = '') =>
  mergeOperationExtension<ErrorsDoc>(X_OAUTH_ERRORS, mergeErrors(status, errors, description));

/** Records the route's scope rule and caller kind for its OAuth 2.0 security requirement. */
export const ApiAuth = (doc: AuthDoc) =>
  mergeOperationExtension<AuthDoc>(X_AUTH, (old) => ({ ...old, ...doc }));

/** A request example that succeeds as is against the sandbox (or answers `status`, as documented). */
export interface RequestExample {
  summary: string;
  description?: string;
  value: unknown;
  /** What the example answers when sent as is: examples test (test/platform/openapi-examples). */
  status: number;
}

/** Named request examples (OpenAPI Example Objects) carrying `x-expected-status`. */
export function requestExamples(
  list: Record<string, RequestExample>,
): Record<string, { summary: string; description?: string; value: unknown }> {
  return Object.fromEntries(
    Object.entries(list).map(([name, e]) => [
      name,
      {
        summary: e.summary,
        description: `${e.description ?? ''}${e.description ? ' ' : ''}Answers ${e.status}.`,
        value: e.value,
        'x-expected-status': e.status,
      },
    ]),
  );
}

/** The refusals of a JSON body before or by its validation (every JSON-body route). */
export const ApiJsonBodyProblems = (validationCodes: string[] = ['VALIDATION_FAILED']) =>
  applyAll(
    ApiProblem(400, ['MALFORMED_BODY', ...validationCodes], 'The body is not acceptable:'),
    ApiProblem(413, ['PAYLOAD_TOO_LARGE'], 'The body is over the limit.'),
    ApiProblem(415, ['UNSUPPORTED_MEDIA_TYPE'], 'The body is not JSON.'),
  );

function applyAll(
  ...decorators: (MethodDecorator & ClassDecorator)[]
): MethodDecorator & ClassDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    for (const d of decorators) (d as (...a: unknown[]) => unknown)(target, key, descriptor);
    return descriptor ?? target;
  }) as MethodDecorator & ClassDecorator;
}
