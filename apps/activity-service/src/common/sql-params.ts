/**
 * Collects the values of one SQL statement. Every value a client sends reaches PostgreSQL as a
 * bind parameter with an explicit cast, never as SQL text.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

export interface CompiledSql {
  text: string;
  values: unknown[];
}
