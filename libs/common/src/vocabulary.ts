/** The words the API, the worker and the database share. The one list of each. */
export const ACCOUNT_STATUSES = ['active', 'degraded', 'needs_relink', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const REGIONS = ['us', 'eu', 'self-hosted'] as const;
export type Region = (typeof REGIONS)[number];

/** Where an identity or API host lives, for metric labels: never a tenant's own host name. */
export type HostClass = Region;

/** What an account's history records (account_events.type); the API serves them without the `account.` prefix. */
export const ACCOUNT_EVENT_TYPES = ['account.linked', 'account.relinked', 'account.status_changed', 'account.suspended', 'account.resumed', 'account.deleted'] as const;
export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number];

export const SERVER_FLAVORS = ['bitwarden', 'vaultwarden'] as const;
export type ServerFlavorName = (typeof SERVER_FLAVORS)[number];
