/** One step of a redaction path: named children, a wildcard child, or the end of a path. */
interface PathNode {
  censor: boolean;
  children: Map<string, PathNode>;
  any?: PathNode;
}

const SEGMENT = /[^.[\]]+|\[(?:"([^"]*)"|'([^']*)'|([^\]]*))\]/g;

function segments(path: string): string[] {
  const out: string[] = [];
  for (const m of path.matchAll(SEGMENT)) out.push(m[1] ?? m[2] ?? m[3] ?? m[0]);
  return out;
}

function compile(paths: readonly string[]): PathNode {
  const root: PathNode = { censor: false, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const name of segments(path)) {
      const next: PathNode =
        (name === '*' ? node.any : node.children.get(name)) ??
        ({ censor: false, children: new Map() } as PathNode);
      if (name === '*') node.any = next;
      else node.children.set(name, next);
      node = next;
    }
    node.censor = true;
  }
  return root;
}

/**
 * A copy that can take censored values. An error stays an error to pino's err serializer (its
 * class, message, stack and cause), which then writes the copy's censored properties.
 */
function copyOf(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return value.slice() as unknown as Record<string, unknown>;
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
    Object.defineProperties(copy, {
      message: { value: value.message, writable: true },
      stack: { value: value.stack, writable: true },
      ...('cause' in value ? { cause: { value: value.cause, writable: true } } : {}),
    });
    return Object.assign(copy, value);
  }
  return { ...(value as Record<string, unknown>) };
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function redact(value: unknown, node: PathNode, censor: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  const set = (key: string, next: unknown) => {
    if (next === source[key]) return;
    copy ??= copyOf(source);
    copy[key] = next;
  };
  for (const [name, child] of node.children) {
    // Own properties only: JSON lines hold nothing else (and a miss costs one lookup, not a walk
    // up a long prototype chain such as a ServerResponse's).
    if (!hasOwn(source, name)) continue;
    set(name, child.censor ? censor : redact(source[name], child, censor));
  }
  const any = node.any;
  if (any) {
    for (const key of Object.keys(source)) {
      const current = copy ? copy[key] : source[key];
      if (any.censor) set(key, censor);
      else {
        const next = redact(current, any, censor);
        if (next !== current) {
          copy ??= copyOf(source);
          copy[key] = next;
        }
      }
    }
  }
  return copy ?? value;
}

/**
 * A pino log formatter that censors the values at `paths` (pino's path syntax: `a.b`,
 * `a["x-y"]`, `*` for any key) and leaves every other object as it is, uncopied.
 *
 * pino's own `redact` option does this too, but with a wildcard path it runs a generic redactor
 * (clone, walk, JSON.stringify) over every value of every line, request lines included: about
 * 4 % of the token endpoint's CPU (docs/BENCHMARKS.md). Here a line without anything to censor
 * costs a few property lookups. An error is written as pino's err serializer writes it, then
 * censored, as pino's redaction does after that serializer.
 */
export function redactor(
  paths: readonly string[],
  censor: string,
): <T extends object>(obj: T) => T {
  const root = compile(paths);
  return <T extends object>(obj: T): T => redact(obj, root, censor) as T;
}

/**
 * Censors the bindings of every child of `logger` (and theirs) with `redact`: pino applies its
 * `formatters.bindings` to the root's own bindings only.
 */
export function censorChildBindings(
  logger: { child: (...args: never[]) => unknown },
  redact: <T extends object>(obj: T) => T,
): void {
  const child = logger.child as (this: unknown, bindings: object, ...rest: unknown[]) => unknown;
  (logger as { child: unknown }).child = function (
    this: unknown,
    bindings: object,
    ...rest: unknown[]
  ) {
    return child.call(this, redact(bindings), ...rest);
  };
}
