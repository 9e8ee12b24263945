import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import { BearerAuthGuard, CALLER_KIND, type CallerKind } from '@app/common';

/** One route a Nest app serves, read from its modules' metadata (not from the OpenAPI document). */
export interface AppRoute {
  method: string;
  /** `/customers/v2/customers/:customerId` */
  path: string;
  /** Guarded by a bearer token (RequireScopes, RequireAnyScope, ForCaller). */
  bearer: boolean;
  /** Who the route is for when it is guarded (`app` when it says nothing). */
  caller?: CallerKind;
  controller: string;
  handler: string;
}

type ModuleRef = Type<unknown> | DynamicModule | Promise<DynamicModule> | { forwardRef: unknown };

const join = (...parts: (string | string[] | undefined)[]): string => {
  const segments = parts
    .map((p) => (Array.isArray(p) ? p[0] : p) ?? '')
    .flatMap((p) => p.split('/'))
    .filter(Boolean);
  return `/${segments.join('/')}`;
};

/**
 * Every route of `root` and the modules it imports, walked from the same decorator metadata Nest
 * builds its router from, including controllers left out of the OpenAPI document.
 */
export async function routesOf(root: Type<unknown>): Promise<AppRoute[]> {
  const seen = new Set<unknown>();
  const controllers = new Set<Type<unknown>>();
  const visit = async (ref: ModuleRef | undefined): Promise<void> => {
    if (!ref) return;
    const resolved = ref instanceof Promise ? await ref : ref;
    if ('forwardRef' in resolved) return;
    const cls = 'module' in resolved ? resolved.module : resolved;
    const key = 'module' in resolved ? resolved : cls;
    if (seen.has(key)) return;
    seen.add(key);
    const imports = [
      ...((Reflect.getMetadata('imports', cls) as ModuleRef[] | undefined) ?? []),
      ...('module' in resolved ? ((resolved.imports as ModuleRef[] | undefined) ?? []) : []),
    ];
    const own = [
      ...((Reflect.getMetadata('controllers', cls) as Type<unknown>[] | undefined) ?? []),
      ...('module' in resolved ? (resolved.controllers ?? []) : []),
    ];
    own.forEach((c) => controllers.add(c));
    for (const i of imports) await visit(i);
  };
  await visit(root);

  const routes: AppRoute[] = [];
  for (const controller of controllers) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
    const classGuards = (Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[]) ?? [];
    const classCaller = Reflect.getMetadata(CALLER_KIND, controller) as CallerKind | undefined;
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      const guards = [
        ...classGuards,
        ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[]) ?? []),
      ];
      const bearer = guards.includes(BearerAuthGuard);
      const caller =
        (Reflect.getMetadata(CALLER_KIND, handler) as CallerKind | undefined) ?? classCaller;
      routes.push({
        method: RequestMethod[method],
        path: join(base, path),
        bearer,
        ...(bearer ? { caller: caller ?? 'app' } : {}),
        controller: controller.name,
        handler: name,
      });
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}
