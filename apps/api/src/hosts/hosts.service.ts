import { Injectable } from '@nestjs/common';
import { AccountsRepository } from '@app/accounts';
import { BitwardenGateway, HostBreaker, hostOf, IdentityBudget } from '@app/bitwarden';

export interface HostView {
  host: string;
  kind: 'cloud' | 'self-hosted';
  flavor: 'bitwarden' | 'vaultwarden' | null;
  identityBudget: { limit: number; usedLastMinute: number };
  pausedUntil: string | null;
  breaker: 'closed' | 'open' | 'probing';
}

/**
 * What operators need to see per identity host (budget use, pause, breaker), now that metric labels name only the
 * host class: one row per identity host that has accounts.
 */
@Injectable()
export class HostsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly gateway: BitwardenGateway,
    private readonly budget: IdentityBudget,
    private readonly breaker: HostBreaker,
  ) {}

  async list(): Promise<{ data: HostView[] }> {
    // Several identity base URLs can share a host (self-hosted servers under different prefixes): one row per host.
    const byHost = new Map<string, { url: string; flavor: 'bitwarden' | 'vaultwarden' | null }>();
    for (const h of await this.accounts.identityHosts()) {
      const host = hostOf(h.identityBaseUrl);
      const seen = byHost.get(host);
      byHost.set(host, { url: h.identityBaseUrl, flavor: seen?.flavor ?? h.flavor });
    }
    const data = await Promise.all(
      [...byHost.entries()].map(async ([host, h]) => {
        const policy = this.gateway.identityPolicy(h.url, h.flavor);
        const [usage, breaker] = await Promise.all([this.budget.usage(policy), this.breaker.view(host)]);
        return {
          host,
          kind: policy.kind,
          flavor: policy.flavor,
          identityBudget: { limit: usage.limit, usedLastMinute: usage.usedLastMinute },
          pausedUntil: usage.pausedUntil?.toISOString() ?? null,
          breaker,
        };
      }),
    );
    return { data };
  }
}
