// Validation of POST /public/groups bodies (GroupCreateUpdateRequestModel, ASP.NET model binding).
import { modelStateError } from './bodies';

export interface GroupFields {
  name: string;
  externalId: string | null;
  collections: Array<{ id: string; readOnly: boolean; hidePasswords: boolean; manage: boolean }>;
}

export type GroupCheck = { ok: true; group: GroupFields } | { ok: false; body: Record<string, unknown> };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkGroupBody(raw: Buffer): GroupCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, body: modelStateError({ $: ['The JSON value could not be converted to GroupCreateUpdateRequestModel.'] }) };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, body: modelStateError({ $: ['The JSON value could not be converted to GroupCreateUpdateRequestModel.'] }) };
  }
  // Property names bind case-insensitively.
  const get = (o: object, name: string) => Object.entries(o).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const errors: Record<string, string[]> = {};
  const name = get(parsed, 'name');
  if (typeof name !== 'string' || name.trim() === '') errors.Name = ['The Name field is required.'];
  else if (name.length > 100) errors.Name = ['The field Name must be a string with a maximum length of 100.'];
  const externalId = get(parsed, 'externalId');
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId.length > 300)) {
    errors.ExternalId = ['The field ExternalId must be a string with a maximum length of 300.'];
  }
  const rawCollections = get(parsed, 'collections') ?? [];
  const collections: GroupFields['collections'] = [];
  if (!Array.isArray(rawCollections)) errors.Collections = ['The Collections field is invalid.'];
  else {
    rawCollections.forEach((c, i) => {
      const id = c && typeof c === 'object' ? get(c, 'id') : undefined;
      const readOnly = c && typeof c === 'object' ? get(c, 'readOnly') : undefined;
      if (typeof id !== 'string' || !GUID.test(id)) errors[`Collections[${i}].Id`] = ['The Id field is required.'];
      if (typeof readOnly !== 'boolean') errors[`Collections[${i}].ReadOnly`] = ['The ReadOnly field is required.'];
      if (typeof id === 'string' && typeof readOnly === 'boolean') {
        const flag = (n: string) => get(c as object, n) === true;
        collections.push({ id: id.toLowerCase(), readOnly, hidePasswords: flag('hidePasswords'), manage: flag('manage') });
      }
    });
  }
  if (Object.keys(errors).length) return { ok: false, body: modelStateError(errors) };
  return { ok: true, group: { name: name as string, externalId: (externalId as string | null | undefined) ?? null, collections } };
}
