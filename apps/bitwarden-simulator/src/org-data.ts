// Deterministic directory data for a simulated org. Ids are hashes of the org id (never the org id itself),
// and no org name or id appears in any item, matching the real Public API models.
import { createHash } from 'node:crypto';

export interface OrgData {
  policies: Array<Record<string, unknown>>;
  groups: Array<Record<string, unknown>>;
  collections: Array<Record<string, unknown>>;
  members: Array<Record<string, unknown>>;
  events: Array<Record<string, unknown>>;
}

export const SEEDED_EVENTS = 320;
export const EVENTS_FROM = Date.UTC(2026, 0, 1);
/** Organization-user and group events (EventType 1500s/1400s), the kinds a directory sync cares about. */
const EVENT_TYPES = [1500, 1501, 1502, 1503, 1400, 1401, 1402];

export function derivedGuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const v = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function buildOrgData(orgId: string): OrgData {
  const id = (label: string) => derivedGuid(`${orgId}:${label}`);
  const access = (gid: string) => ({ id: gid, readOnly: false, hidePasswords: false, manage: false });
  const collections = [
    { object: 'collection', id: id('collection:1'), externalId: 'shared', groups: [access(id('group:1'))] },
    { object: 'collection', id: id('collection:2'), externalId: null, groups: [] },
  ];
  const groups = [
    { object: 'group', id: id('group:1'), name: 'Engineering', externalId: 'eng', collections: [access(id('collection:1'))] },
    { object: 'group', id: id('group:2'), name: 'Support', externalId: null, collections: [] },
  ];
  const member = (n: number, name: string, email: string, type: number) => ({
    object: 'member',
    id: id(`member:${n}`),
    userId: id(`user:${n}`),
    name,
    email,
    twoFactorEnabled: n === 1,
    status: 2,
    collections: [],
    resetPasswordEnrolled: false,
    ssoExternalId: null,
    type,
    externalId: null,
    permissions: null,
  });
  const members = [member(1, 'Alice Owner', 'alice@example.test', 0), member(2, 'Bob User', 'bob@example.test', 2)];
  const policies = [
    { object: 'policy', id: id('policy:0'), type: 0, enabled: true, data: null },
    {
      object: 'policy',
      id: id('policy:1'),
      type: 1,
      enabled: true,
      data: { minComplexity: null, minLength: 12, requireUpper: true, requireLower: true, requireNumbers: true, requireSpecial: false, enforceOnLogin: false },
    },
  ];
  // Two hours apart from 2026-01-01T00:00Z, newest first as the API sorts them: three full pages and a bit.
  const events = Array.from({ length: SEEDED_EVENTS }, (_, i) => SEEDED_EVENTS - 1 - i).map((n) => ({
    object: 'event',
    type: EVENT_TYPES[n % EVENT_TYPES.length],
    itemId: null,
    collectionId: n % 5 === 0 ? id('collection:1') : null,
    groupId: n % 7 === 0 ? id('group:1') : null,
    policyId: null,
    memberId: id(`member:${(n % 2) + 1}`),
    actingUserId: id('user:1'),
    installationId: null,
    date: new Date(EVENTS_FROM + n * 2 * 3_600_000).toISOString(),
    device: 9,
    ipAddress: '203.0.113.7',
  }));
  return { policies, groups, collections, members, events };
}
