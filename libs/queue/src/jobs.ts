/**
 * Queue and job names are persisted in Redis: never rename a value without a migration plan.
 * Job data holds ids only — never a secret, a token or anything a secret could be derived from.
 */
export enum QueueName {
  Accounts = 'accounts',
}

export enum JobName {
  /** Re-verify an account's credentials (the slow check every account gets). */
  CheckAccount = 'check-account',
  /** Renew the cached token of an account in active use ahead of expiry. */
  RefreshToken = 'refresh-token',
}

export type JobItem =
  | { name: JobName.CheckAccount; data: { accountId: string } }
  | { name: JobName.RefreshToken; data: { accountId: string } };

export type JobData<N extends JobName> = Extract<JobItem, { name: N }>['data'];

export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.CheckAccount]: QueueName.Accounts,
  [JobName.RefreshToken]: QueueName.Accounts,
};

/** Deterministic ids give "one pending job per account" (BullMQ ignores an add whose id still exists). No ':' allowed. */
export function jobIdFor(item: JobItem): string {
  switch (item.name) {
    case JobName.CheckAccount:
      return `check-${item.data.accountId}`;
    case JobName.RefreshToken:
      return `refresh-${item.data.accountId}`;
  }
}

/** Sync-job demand (token renewals) goes before background checks. Lower is sooner in BullMQ. */
export const JOB_PRIORITY: Record<JobName, number> = {
  [JobName.RefreshToken]: 1,
  [JobName.CheckAccount]: 5,
};
