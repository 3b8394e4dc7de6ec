type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Rewrites OpenAPI 3.0 `nullable` (which Nest emits) into 3.1's JSON Schema form: a `null` type, and `null` in an
 * enum, so 3.1 generators type such fields as `T | null`. A nullable `$ref` (Nest wraps it in allOf) becomes anyOf.
 */
export function nullableToTypeArrays(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(nullableToTypeArrays);
  if (!isObject(node)) return;
  for (const v of Object.values(node)) nullableToTypeArrays(v);
  if (node.nullable === undefined) return;
  const nullable = node.nullable === true;
  delete node.nullable;
  if (!nullable) return;
  if (Array.isArray(node.allOf) && node.allOf.length === 1) {
    node.anyOf = [node.allOf[0], { type: 'null' }];
    delete node.allOf;
    delete node.type;
  } else if (typeof node.type === 'string') {
    node.type = [node.type, 'null'];
    if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
  } else if (Array.isArray(node.type)) {
    if (!node.type.includes('null')) node.type = [...node.type, 'null'];
  } else if (typeof node.$ref === 'string') {
    node.anyOf = [{ $ref: node.$ref }, { type: 'null' }];
    delete node.$ref;
  }
}
