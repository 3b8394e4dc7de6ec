/** The words the API, the worker and the database share. The one list of each. */
export const ACCOUNT_STATUSES = ['active', 'degraded', 'needs_relink'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const REGIONS = ['us', 'eu', 'self-hosted'] as const;
export type Region = (typeof REGIONS)[number];

/** Where an identity or API host lives, for metric labels: never a tenant's own host name. */
export type HostClass = Region;
