import net from 'node:net';
import { Agent, buildConnector } from 'undici';
import { OutboundPolicy, ResolvedAddress, normalizeHostname } from './outbound-policy';
import { SsrfBlockedError } from './ssrf-blocked.error';

export interface GuardedAgentOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  maxResponseBytes?: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | ResolvedAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect that resolves ALL answers through the policy's resolver and fails the connection
 * if ANY is forbidden. Because it is the lookup the socket really connects with, there is no check-then-resolve-again
 * gap: DNS rebinding and URLs stored at link time are judged afresh on every new connection.
 */
export function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback): void => {
    policy.resolve(hostname).then(
      (answers) => {
        if (answers.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        if (answers.some((a) => policy.isForbiddenAddress(a.address, hostname))) {
          return callback(new SsrfBlockedError(hostname), '');
        }
        const fam = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family) || 0;
        const usable = fam ? answers.filter((a) => a.family === fam) : answers;
        if (usable.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        if (options.all) return callback(null, usable);
        return callback(null, usable[0].address, usable[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

/**
 * The only dispatcher used for Bitwarden traffic (docs/SECURITY.md, "5.4 The outbound address guard"). Its connector:
 *  1. applies OUTBOUND_CONNECT_TO: the socket goes to the operator's target, while SNI/certificate checks and the
 *     Host header keep the original hostname (targets are operator-chosen and trusted, so they are not filtered);
 *  2. refuses forbidden IP literals before any socket exists (Node never calls `lookup` for literals);
 *  3. connects names through guardedLookup.
 * Redirect hops dispatched through this agent pass the same connector, so they are guarded too.
 */
export function createGuardedAgent(policy: OutboundPolicy, o: GuardedAgentOptions = {}): Agent {
  const timeout = o.connectTimeoutMs ?? 5_000;
  const guarded = buildConnector({ timeout, lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
  // Connect-to targets are trusted: resolve them normally.
  const trusted = buildConnector({ timeout });

  const connect: buildConnector.connector = (opts, callback) => {
    const hostname = normalizeHostname(opts.hostname);
    const defaultPort = opts.protocol === 'https:' ? 443 : 80;
    const port = opts.port ? Number(opts.port) : defaultPort;
    const servername = net.isIP(hostname) ? undefined : hostname;

    const target = policy.connectTargetFor(hostname, port);
    if (target) {
      return trusted({ ...opts, hostname: target.host, port: String(target.port), servername }, callback);
    }
    if (net.isIP(hostname)) {
      if (policy.isForbiddenAddress(hostname)) {
        return callback(new SsrfBlockedError(hostname), null);
      }
      return guarded({ ...opts, hostname }, callback);
    }
    return guarded({ ...opts, hostname, servername }, callback);
  };

  return new Agent({
    connect,
    headersTimeout: o.headersTimeoutMs ?? 10_000,
    bodyTimeout: o.bodyTimeoutMs ?? 10_000,
    maxResponseSize: o.maxResponseBytes ?? 1 << 20,
  });
}

/** Closes an agent's pooled connections, gives in-flight requests `graceMs`, then destroys what is left. */
export async function closeAgent(agent: Agent, graceMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = agent.close().then(() => true);
  const late = new Promise<boolean>((res) => (timer = setTimeout(() => res(false), graceMs)));
  const ok = await Promise.race([graceful, late]);
  clearTimeout(timer);
  if (!ok) await agent.destroy();
}
