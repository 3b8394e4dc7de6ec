import { Injectable } from '@nestjs/common';
import { canonicalizeBaseUrl, normalizeSecret, OutboundPolicy, parseClientId, resolveRegion } from '@app/bitwarden';
import { AppError, type Region } from '@app/common';

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
    // The connect-time guard is the real boundary; this pre-check gives the user a clear error before any exchange,
    // naming each field whose host is refused (both, when they share one).
    const hosts = new Map<string, { url: URL; fields: string[] }>();
    for (const [field, raw] of [['apiBaseUrl', apiBaseUrl], ['identityBaseUrl', identityBaseUrl]] as const) {
      const url = new URL(raw);
      const seen = hosts.get(url.host);
      if (seen) seen.fields.push(field);
      else hosts.set(url.host, { url, fields: [field] });
    }
    for (const { url, fields } of hosts.values()) {
      try {
        await this.policy.assertHostAllowed(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || (url.protocol === 'https:' ? 443 : 80)), fields[0]);
      } catch (e) {
        if (!(e instanceof AppError) || e.code !== 'url_not_allowed') throw e;
        throw new AppError(e.code, e.message, { fields: Object.fromEntries(fields.map((f) => [f, 'points to a non-public address'])) });
      }
    }
    return { apiBaseUrl, identityBaseUrl, region, clientId, organizationId, clientSecret };
  }
}
