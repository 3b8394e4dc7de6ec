import type { SchemaObject } from '@nestjs/swagger';

const BY_FORMAT: Record<string, string> = {
  'date-time': '2025-05-01T12:00:00.000Z',
  uuid: '8d0c3c38-2f0e-4a55-9a43-6c1f9f0e6b11',
};

/**
 * An example value built from a schema's own examples (property examples, defaults, the first enum value), so a
 * body's example can never drift from its fields. Depth-bounded: schemas here are small and never recursive.
 */
export function exampleOf(schema: SchemaObject & { $ref?: string }, schemas: Record<string, SchemaObject>, depth = 0): unknown {
  if (depth > 6) return undefined;
  if (schema.$ref) return exampleOf(schemas[schema.$ref.replace('#/components/schemas/', '')] ?? {}, schemas, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.nullable) return null;
  if (schema.allOf?.length === 1) return exampleOf(schema.allOf[0] as SchemaObject, schemas, depth + 1);
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.type === 'array' && schema.items) {
    const item = exampleOf(schema.items as SchemaObject, schemas, depth + 1);
    return item === undefined ? [] : [item];
  }
  if (schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries(schema.properties)) {
      const value = exampleOf(prop as SchemaObject, schemas, depth + 1);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  if (schema.type === 'string') return schema.format ? BY_FORMAT[schema.format] : undefined;
  return undefined;
}
