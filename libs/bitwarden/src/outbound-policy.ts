import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '@app/common';

export type ResolvedAddress = { address: string; family: number };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface OutboundPolicyOptions {
  /** OUTBOUND_ALLOWED_HOSTS: hostnames, IPs or CIDRs that may be private (operator-controlled, never tenant input). */
  allowedHosts: string[];
  /** OUTBOUND_CONNECT_TO: curl --connect-to entries `host:port:target-host:target-port`. */
  connectTo: string[];
  /** Injectable resolver (tests never touch real DNS). Default: dns.lookup with all answers. */
  lookup?: Resolver;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
type ConnectToRule = { host: string; port: number | null; targetHost: string; targetPort: number | null };

const cidrs = (list: string[]): Cidr[] => list.map((c) => ipaddr.parseCIDR(c) as Cidr);

/** Metadata endpoints (AWS/GCP/Azure IMDS, ECS, Alibaba, Oracle) and all link-local space: denied even when allowlisted. */
const ALWAYS_DENY_IPS = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192']);
const ALWAYS_DENY_CIDRS = cidrs(['169.254.0.0/16', 'fe80::/10']);

/**
 * Ranges ipaddr.js classifies as `unicast` (or did in older versions) that must still be refused:
 * IPv4-compatible ::/96 (`[::127.0.0.1]`), NAT64 prefixes, deprecated site-local; plus the IPv4 special ranges,
 * listed explicitly so that a future classifier change cannot silently open them.
 */
const EXTRA_DENY_CIDRS = cidrs([
  '::/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  'fec0::/10',
  '0.0.0.0/8',
  '100.64.0.0/10',
  '192.0.0.0/24',
  '198.18.0.0/15',
  '240.0.0.0/4',
  '224.0.0.0/4',
  '255.255.255.255/32',
]);

const matches = (a: ipaddr.IPv4 | ipaddr.IPv6, list: Cidr[]) =>
  list.some(([net_, bits]) => net_.kind() === a.kind() && a.match(net_, bits));

/** `[::1]` → `::1`; lower-case; one trailing dot dropped (FQDN form). */
export const normalizeHostname = (h: string): string => {
  let s = h.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.endsWith('.') && s.length > 1) s = s.slice(0, -1);
  return s;
};

const unmap = (a: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 =>
  a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;

const defaultResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((x) => ({ address: x.address, family: x.family }));

function parseConnectTo(entry: string): ConnectToRule {
  // host and target may be bracketed IPv6 literals; empty host/port fields mean "any" (curl semantics).
  const m = /^(\[[^\]]*\]|[^:[\]]*):(\d*):(\[[^\]]*\]|[^:[\]]*):(\d*)$/.exec(entry.trim());
  if (!m) throw new Error(`OUTBOUND_CONNECT_TO entry "${entry}" is not host:port:target-host:target-port.`);
  const port = (s: string) => (s === '' ? null : Number(s));
  return { host: normalizeHostname(m[1]), port: port(m[2]), targetHost: normalizeHostname(m[3]), targetPort: port(m[4]) };
}

/**
 * The outbound-address policy (docs/SECURITY.md, "5.4 The outbound address guard"): what this service may connect to. Used at link time
 * (assertHostAllowed, fast feedback) and at connect time by the guarded agent (the actual security boundary).
 */
export class OutboundPolicy {
  private readonly allowedNames = new Set<string>();
  private readonly allowedCidrs: Cidr[] = [];
  private readonly connectRules: ConnectToRule[];
  readonly resolve: Resolver;

  constructor(o: OutboundPolicyOptions) {
    for (const raw of o.allowedHosts) {
      const entry = normalizeHostname(raw);
      if (!entry) continue;
      if (entry.includes('/')) {
        this.allowedCidrs.push(ipaddr.parseCIDR(entry) as Cidr);
      } else if (net.isIP(entry)) {
        const a = ipaddr.parse(entry);
        this.allowedCidrs.push([a, a.kind() === 'ipv4' ? 32 : 128]);
      } else {
        this.allowedNames.add(entry);
      }
    }
    this.connectRules = o.connectTo.filter((e) => e.trim() !== '').map(parseConnectTo);
    this.resolve = o.lookup ?? defaultResolver;
  }

  /** True when the operator listed this host: exact hostname, or an IP literal inside a listed IP/CIDR. */
  isHostAllowed(hostname: string): boolean {
    const h = normalizeHostname(hostname);
    if (this.allowedNames.has(h)) return true;
    if (!net.isIP(h)) return false;
    try {
      return matches(unmap(ipaddr.parse(h)), this.allowedCidrs);
    } catch {
      return false;
    }
  }

  /** True when a connection to `ip` must not be opened. `hostname` is the name it was resolved from, if any. */
  isForbiddenAddress(ip: string, hostname?: string): boolean {
    let a: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      a = unmap(ipaddr.parse(normalizeHostname(ip)));
    } catch {
      return true; // not an address we understand: never connect
    }
    if (ALWAYS_DENY_IPS.has(a.toString()) || matches(a, ALWAYS_DENY_CIDRS)) return true;
    if (matches(a, this.allowedCidrs)) return false;
    if (hostname !== undefined && this.allowedNames.has(normalizeHostname(hostname))) return false;
    if (a.range() !== 'unicast') return true;
    return matches(a, EXTRA_DENY_CIDRS);
  }

  /** The OUTBOUND_CONNECT_TO target for host:port, or null. The first matching entry wins, as in curl. */
  connectTargetFor(hostname: string, port: number): { host: string; port: number } | null {
    const h = normalizeHostname(hostname);
    for (const r of this.connectRules) {
      if ((r.host === '' || r.host === h) && (r.port === null || r.port === port)) {
        return { host: r.targetHost || h, port: r.targetPort ?? port };
      }
    }
    return null;
  }

  /**
   * Link-time pre-check. Connect-to mapped hosts pass (operator-trusted targets); IP literals are checked directly;
   * names are resolved and refused if ANY answer is forbidden. The connect-time guard repeats this on every connection.
   */
  async assertHostAllowed(hostname: string, port: number, field?: string): Promise<void> {
    const h = normalizeHostname(hostname);
    if (this.connectTargetFor(h, port)) return;
    const refuse = () =>
      new AppError('url_not_allowed', 'The URL points to a loopback, private, link-local, metadata or otherwise non-public address, which is not allowed.', {
        fields: field ? { [field]: 'points to a non-public address' } : undefined,
      });
    if (net.isIP(h)) {
      if (this.isForbiddenAddress(h)) throw refuse();
      return;
    }
    let answers: ResolvedAddress[];
    try {
      answers = await this.resolve(h);
    } catch {
      throw new AppError('provider_unreachable', `The host name "${h}" could not be resolved.`, {
        fields: field ? { [field]: 'host name could not be resolved' } : undefined,
      });
    }
    if (answers.length === 0) {
      throw new AppError('provider_unreachable', `The host name "${h}" could not be resolved.`, {
        fields: field ? { [field]: 'host name could not be resolved' } : undefined,
      });
    }
    if (answers.some((x) => this.isForbiddenAddress(x.address, h))) throw refuse();
  }
}
