import type { ApiBodyOptions } from '@nestjs/swagger';

/** An OpenAPI schema object, as @ApiBody takes it (the type is not exported by name). */
export type SchemaObject = Exclude<
  Extract<ApiBodyOptions, { schema: unknown }>['schema'],
  { $ref: string }
>;

/** A request body's one definition: documented with @ApiBody({ schema }), read by its parser. */
export interface BodySchema<K extends string> extends SchemaObject {
  type: 'object';
  properties: Record<K, SchemaObject>;
  additionalProperties: false;
}

/** An object schema that admits its properties and nothing else. */
export function bodySchema<K extends string>(
  properties: Record<K, SchemaObject>,
  extra: Omit<SchemaObject, 'type' | 'properties' | 'additionalProperties'> = {},
): BodySchema<K> {
  return { type: 'object', ...extra, properties, additionalProperties: false };
}

/** The member names a body accepts: its parser refuses any other ("is not a known field"). */
export function acceptedKeys<K extends string>(schema: BodySchema<K>): ReadonlySet<string> {
  return new Set(Object.keys(schema.properties));
}
