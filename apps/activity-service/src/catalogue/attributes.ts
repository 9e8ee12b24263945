import {
  ATTRIBUTE_TYPE_BY_ID,
  FIXED_FIELD_BY_ID,
  type AttributeType,
  type FixedFieldDefinition,
} from './event-catalogue';

/** What an attributeId of a filter or of requestedAttributes refers to. */
export type ResolvedAttribute =
  | { kind: 'fixed'; id: string; type: 'string' | 'date-time'; field: FixedFieldDefinition }
  | { kind: 'attribute'; id: string; type: AttributeType };

export type ValueType = ResolvedAttribute['type'];

/** A fixed field (a column) or a catalogue attribute (in jsonb); undefined when unknown. */
export function resolveAttribute(id: string): ResolvedAttribute | undefined {
  const field = FIXED_FIELD_BY_ID.get(id);
  if (field) return { kind: 'fixed', id, type: field.type, field };
  const type = ATTRIBUTE_TYPE_BY_ID.get(id);
  return type ? { kind: 'attribute', id, type } : undefined;
}
