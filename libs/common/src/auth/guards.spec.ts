import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../errors/problem.exception';
import { RequireAnyScope, RequireScopes, ScopesGuard } from './guards';

/** A handler decorated as a controller method would be, and a request holding `held`. */
function contextFor(decorator: MethodDecorator, held: string[]): ExecutionContext {
  class Controller {
    handle(): void {}
  }
  const descriptor = Object.getOwnPropertyDescriptor(Controller.prototype, 'handle')!;
  decorator(Controller.prototype, 'handle', descriptor);
  const request = { headers: {}, user: { scopes: new Set(held) } };
  return {
    getHandler: () => descriptor.value as () => void,
    getClass: () => Controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const refusal = (guard: ScopesGuard, ctx: ExecutionContext): ProblemException => {
  try {
    guard.canActivate(ctx);
  } catch (err) {
    return err as ProblemException;
  }
  throw new Error('expected a refusal');
};

describe('ScopesGuard', () => {
  const guard = new ScopesGuard(new Reflector());

  it('RequireScopes: every listed scope is needed', () => {
    const route = RequireScopes('a:read', 'b:read');
    expect(guard.canActivate(contextFor(route, ['a:read', 'b:read', 'c:write']))).toBe(true);
    const err = refusal(guard, contextFor(route, ['a:read']));
    expect(err).toBeInstanceOf(ProblemException);
    expect(err.getStatus()).toBe(403);
    expect(err.problem.headers?.['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="a:read b:read"',
    );
  });

  it('RequireAnyScope: one of the listed scopes is enough, none is refused', () => {
    const route = RequireAnyScope('a:write', 'internal:write');
    expect(guard.canActivate(contextFor(route, ['internal:write']))).toBe(true);
    expect(guard.canActivate(contextFor(route, ['a:write']))).toBe(true);
    const err = refusal(guard, contextFor(route, ['a:read']));
    expect(err.getStatus()).toBe(403);
    expect(err.problem.detail).toMatch(/one of the scopes: a:write internal:write/);
  });
});
