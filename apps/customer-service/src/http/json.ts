/**
 * Values kept in jsonb columns. Deliberately not recursive: TypeORM's insert types expand
 * them and give up on recursive types.
 */
export type JsonScalar = string | number | boolean | null;
export type FlatJson = JsonScalar | string[] | Record<string, string>;
