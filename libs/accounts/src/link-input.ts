import { Injectable } from '@nestjs/common';
import { canonicalizeBaseUrl, normalizeSecret, OutboundPolicy, parseClientId, resolveRegion } from '@app/bitwarden';
import type { Region } from '@app/common';

export interface RawCredentials {
  apiBaseUrl: string;
  identityBaseUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface LinkCredentials {
  apiBaseUrl: string;
  identityBaseUrl: string;
  region: Region;
  clientId: string;
  organizationId: string;
  clientSecret: string;
}

/** Everything about a link form that can be decided without the network, then the DNS pre-check of both hosts. */
@Injectable()
export class LinkInput {
  constructor(private readonly policy: OutboundPolicy) {}

  async normalize(raw: RawCredentials): Promise<LinkCredentials> {
    const apiBaseUrl = canonicalizeBaseUrl(raw.apiBaseUrl, 'apiBaseUrl', this.policy);
    const identityBaseUrl = canonicalizeBaseUrl(raw.identityBaseUrl, 'identityBaseUrl', this.policy);
    const region = resolveRegion(apiBaseUrl, identityBaseUrl);
    const { clientId, organizationId } = parseClientId(raw.clientId);
    const clientSecret = normalizeSecret(raw.clientSecret);
    // The connect-time guard is the real boundary; this pre-check gives the user a clear error before any exchange.
    for (const u of new Set([apiBaseUrl, identityBaseUrl].map((x) => new URL(x)))) {
      await this.policy.assertHostAllowed(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port || (u.protocol === 'https:' ? 443 : 80)));
    }
    return { apiBaseUrl, identityBaseUrl, region, clientId, organizationId, clientSecret };
  }
}
