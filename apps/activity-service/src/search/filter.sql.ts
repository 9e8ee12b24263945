import { resolveAttribute, type ResolvedAttribute } from '../catalogue/attributes';
import type { SqlParams } from '../common/sql-params';
import type { FilterCondition, FilterGroup, Scalar } from './filter';

/*
 * additionalFilters as a SQL predicate over `e` (a row of activity.events). Column names come
 * from the catalogue's fixed fields; attribute names and every value are bind parameters.
 *
 * Each condition is two-valued: an event that lacks the attribute does not equal, contain or
 * exceed anything, and does satisfy notEquals and notIn. So `negate` is plain boolean NOT,
 * never SQL's unknown.
 */
export function compileFilter(group: FilterGroup, params: SqlParams, alias = 'e'): string {
  const parts = [
    ...group.filters.map((f) => compileCondition(f, params, alias)),
    ...group.subFilters.map((g) => compileFilter(g, params, alias)),
  ];
  const joined = `(${parts.join(group.condition === 'and' ? ' AND ' : ' OR ')})`;
  return group.negate ? `(NOT ${joined})` : joined;
}

interface Operand {
  /** The value of the field for the row (NULL when absent). */
  sql: string;
  /** PostgreSQL type of `sql` and of the values compared with it. */
  cast: 'text' | 'numeric' | 'boolean' | 'jsonb' | 'timestamptz';
  /** Whether the field can be absent; if not, the COALESCEs are left out (index-friendly). */
  nullable: boolean;
}

function operand(attribute: ResolvedAttribute, params: SqlParams, alias: string): Operand {
  if (attribute.kind === 'fixed') {
    const { field } = attribute;
    if (field.type === 'date-time') {
      return { sql: `${alias}.${field.column}`, cast: 'timestamptz', nullable: false };
    }
    // guid is a uuid column; compared as text so no value can fail a cast.
    const column = field.column === 'guid' ? `${alias}.guid::text` : `${alias}.${field.column}`;
    return { sql: column, cast: 'text', nullable: field.nullable };
  }
  const key = params.add(attribute.id, 'text');
  const json = `${alias}.attributes->${key}`;
  switch (attribute.type) {
    case 'string':
      return { sql: `(${alias}.attributes->>${key})`, cast: 'text', nullable: true };
    // Typed reads guard on jsonb_typeof, so a stored value of another type reads as absent
    // instead of failing the whole query on a cast.
    case 'integer':
    case 'number':
      return {
        sql: `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${alias}.attributes->>${key})::numeric END)`,
        cast: 'numeric',
        nullable: true,
      };
    case 'boolean':
      return {
        sql: `(CASE WHEN jsonb_typeof(${json}) = 'boolean' THEN (${alias}.attributes->>${key})::boolean END)`,
        cast: 'boolean',
        nullable: true,
      };
    case 'string[]':
      return {
        sql: `(CASE WHEN jsonb_typeof(${json}) = 'array' THEN ${json} END)`,
        cast: 'jsonb',
        nullable: true,
      };
  }
}

function compileCondition(c: FilterCondition, params: SqlParams, alias: string): string {
  const attribute = resolveAttribute(c.attributeId);
  // parseFilters only lets catalogue attributes through.
  if (!attribute) throw new Error(`unknown attribute ${c.attributeId}`);
  if (c.criteria === 'exists' && attribute.kind === 'attribute') {
    const has = `(${alias}.attributes ? ${params.add(attribute.id, 'text')})`;
    return c.value ? has : `(NOT ${has})`;
  }
  const x = operand(attribute, params, alias);
  const known = (predicate: string) => (x.nullable ? `COALESCE(${predicate}, false)` : predicate);
  const isArray = x.cast === 'jsonb';
  const scalarCast = isArray ? 'text' : x.cast;

  switch (c.criteria) {
    case 'exists':
      return c.value ? `(${x.sql} IS NOT NULL)` : `(${x.sql} IS NULL)`;
    case 'equals':
      return isArray
        ? known(`${x.sql} = ${params.add(JSON.stringify(c.value), 'jsonb')}`)
        : known(`${x.sql} = ${params.add(c.value, x.cast)}`);
    case 'notEquals':
      return isArray
        ? `(${x.sql} IS DISTINCT FROM ${params.add(JSON.stringify(c.value), 'jsonb')})`
        : `(${x.sql} IS DISTINCT FROM ${params.add(c.value, x.cast)})`;
    case 'in':
    case 'notIn': {
      const list = params.add(c.value as Scalar[], `${scalarCast}[]`);
      const any = known(isArray ? `${x.sql} ?| ${list}` : `${x.sql} = ANY(${list})`);
      return c.criteria === 'in' ? any : `(NOT ${any})`;
    }
    case 'contains':
      return isArray
        ? known(`${x.sql} ? ${params.add(c.value, 'text')}`)
        : known(`strpos(${x.sql}, ${params.add(c.value, 'text')}) > 0`);
    case 'startsWith':
      return known(`starts_with(${x.sql}, ${params.add(c.value, 'text')})`);
    case 'greaterThan':
    case 'lessThan': {
      const op = c.criteria === 'greaterThan' ? '>' : '<';
      // Strings compare by code point whatever the database's collation.
      const left = x.cast === 'text' ? `(${x.sql} COLLATE "C")` : x.sql;
      return known(`${left} ${op} ${params.add(c.value, x.cast)}`);
    }
  }
}
