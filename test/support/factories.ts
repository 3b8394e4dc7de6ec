// Things tests make through the product's own front door: linked accounts (a simulator organization linked over
// the API), and owner ids unique to one test.
import assert from 'node:assert/strict';
import { SimOrg, SimulatorHandle } from '@app/simulator';
import { Api, EU, SELF, US } from './stack';

export type Urls = { apiBaseUrl: string; identityBaseUrl: string };
export type RegionName = 'us' | 'eu' | 'self-hosted';

/** The URL pair and the simulator realm of each kind of server. */
export const URLS_OF: Record<RegionName, Urls> = { us: US, eu: EU, 'self-hosted': SELF };
export const REALM_OF: Record<RegionName, string> = { us: 'us', eu: 'eu', 'self-hosted': 'bw.selfhosted.test' };

let ownerSeq = 0;
/** A fresh ownerId per call, so "nothing stored for this owner" checks cannot see another test's rows. */
export const newOwner = (tag: string) => `e2e-${tag}-${process.pid}-${++ownerSeq}`;

export interface LinkOptions {
  /** Default: a fresh owner (newOwner('link')). */
  ownerId?: string;
  /** us (default), eu or self-hosted: picks the URLs and the simulator realm. */
  region?: RegionName;
  /** A simulator realm other than the region's own (an organization the URLs do not belong to). */
  realm?: string;
  /** URLs other than the region's own (a self-hosted path prefix). */
  urls?: Urls;
  label?: string;
}

export interface Linked {
  id: string;
  org: SimOrg;
  ownerId: string;
  /** The 201 body: the Account resource. */
  body: any;
}

/** Creates an organization in the simulator and links it through the API; asserts the 201. */
export async function linkAccount(api: Api, sim: SimulatorHandle, o: LinkOptions = {}): Promise<Linked> {
  const region = o.region ?? 'us';
  const org = sim.createOrg({ realm: o.realm ?? REALM_OF[region] });
  const ownerId = o.ownerId ?? newOwner('link');
  const res = await api.call('POST', '/v1/accounts', {
    ownerId,
    ...(o.urls ?? URLS_OF[region]),
    clientId: org.clientId,
    clientSecret: org.clientSecret,
    ...(o.label !== undefined ? { label: o.label } : {}),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.id, org, ownerId, body: res.body };
}
