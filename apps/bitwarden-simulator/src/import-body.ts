// Validation of POST /public/organization/import bodies, per server.
import { modelStateError } from './bodies';

export type ImportCheck = { ok: true } | { ok: false; status: number; body: Record<string, unknown> };

const MAX_WITHOUT_LARGE_IMPORT = 2000;

/** ASP.NET model binding (case-insensitive property names) + OrganizationImportRequestModel rules. */
export function checkOfficialImport(raw: Buffer): ImportCheck {
  const text = raw.toString('utf8');
  if (text.trim() === '') return { ok: false, status: 400, body: modelStateError({ '': ['Body is empty.'] }) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, body: modelStateError({ $: ['The JSON value could not be converted to OrganizationImportRequestModel.'] }) };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, status: 400, body: modelStateError({ $: ['The JSON value could not be converted to OrganizationImportRequestModel.'] }) };
  }
  const get = (name: string) => {
    const hit = Object.entries(parsed as Record<string, unknown>).find(([k]) => k.toLowerCase() === name.toLowerCase());
    return hit ? hit[1] : undefined;
  };
  const errors: Record<string, string[]> = {};
  const overwrite = get('overwriteExisting');
  if (typeof overwrite !== 'boolean') errors.OverwriteExisting = ['The OverwriteExisting field is required.'];
  const groups = get('groups') ?? [];
  const members = get('members') ?? [];
  if (!Array.isArray(groups)) errors.Groups = ['The Groups field is invalid.'];
  if (!Array.isArray(members)) errors.Members = ['The Members field is invalid.'];
  if (Array.isArray(groups)) {
    groups.forEach((g, i) => {
      if (!g || typeof g !== 'object') errors[`Groups[${i}]`] = ['The value is invalid.'];
      else {
        const gg = g as Record<string, unknown>;
        const ci = (n: string) => Object.entries(gg).find(([k]) => k.toLowerCase() === n)?.[1];
        if (typeof ci('name') !== 'string') errors[`Groups[${i}].Name`] = ['The Name field is required.'];
        if (typeof ci('externalid') !== 'string') errors[`Groups[${i}].ExternalId`] = ['The ExternalId field is required.'];
      }
    });
  }
  if (Array.isArray(members)) {
    members.forEach((m, i) => {
      const mm = m && typeof m === 'object' ? (m as Record<string, unknown>) : null;
      const ext = mm ? Object.entries(mm).find(([k]) => k.toLowerCase() === 'externalid')?.[1] : undefined;
      if (typeof ext !== 'string') errors[`Members[${i}].ExternalId`] = ['The ExternalId field is required.'];
    });
  }
  if (Object.keys(errors).length) return { ok: false, status: 400, body: modelStateError(errors) };
  const large = get('largeImport') === true;
  const liveMembers = (members as Array<Record<string, unknown>>).filter((m) => m.deleted !== true).length;
  if (!large && ((groups as unknown[]).length > MAX_WITHOUT_LARGE_IMPORT || liveMembers > MAX_WITHOUT_LARGE_IMPORT)) {
    return { ok: false, status: 400, body: { object: 'error', message: 'You cannot import this much data at once.', errors: null } };
  }
  return { ok: true };
}

/** Rocket Json<OrgImportData>: bad syntax → 400, wrong shape → 422 (Rocket default catcher bodies). */
export function checkVwImport(raw: Buffer): 'ok' | 400 | 422 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return 400;
  }
  if (!parsed || typeof parsed !== 'object') return 422;
  const p = parsed as Record<string, unknown>;
  if (!Array.isArray(p.groups) || !Array.isArray(p.members) || typeof p.overwriteExisting !== 'boolean') return 422;
  return 'ok';
}
