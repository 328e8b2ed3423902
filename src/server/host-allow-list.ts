/**
 * Which names in the `Host` header the server answers to: the defence against DNS rebinding. A page
 * on a hostile domain whose name is later pointed at 127.0.0.1 talks to a loopback server with its
 * own hostname in `Host`, so a server that answers only loopback names (and names its operator
 * listed) never hands such a page an answer. Also the socket and hostname tests the dashboard uses
 * before it writes a key into its page.
 * @module
 */
import { ValidationError } from '../index.js';

/** The loopback names every allow-list accepts (IPv4 `127.0.0.0/8` literals are accepted too). */
export const LOOPBACK_HOSTNAMES: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '::1']);

const IPV4_LOOPBACK = /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const NAME = /^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$/;
const IPV6 = /^[0-9a-f:.]+$/;
/** Longest host echoed back in an error message. */
const SHOWN = 255;

/**
 * True for a name that always means this machine: `localhost`, an IPv4 literal in `127.0.0.0/8`, or
 * `::1` (with or without brackets). An IP literal cannot be rebound, which is why every loopback
 * literal is accepted, not only `127.0.0.1`.
 */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || IPV4_LOOPBACK.test(name);
}

/** True for a loopback peer address (`127.0.0.0/8`, `::1`, or IPv4-mapped `::ffff:127.x.y.z`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = address.toLowerCase();
  return ip === '::1' || IPV4_LOOPBACK.test(ip) || (ip.startsWith('::ffff:') && IPV4_LOOPBACK.test(ip.slice(7)));
}

/**
 * The hostname of a `Host` header, lower-cased, without port, brackets or a trailing dot
 * (`[::1]:8080` → `::1`, `Example.COM.:80` → `example.com`); undefined when absent or malformed.
 */
export function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const value = host.trim().toLowerCase();
  let name: string;
  let rest: string;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    name = value.slice(1, end);
    rest = value.slice(end + 1);
    if (!IPV6.test(name) || !name.includes(':')) return undefined;
  } else {
    const colon = value.indexOf(':');
    name = colon < 0 ? value : value.slice(0, colon);
    rest = colon < 0 ? '' : value.slice(colon);
    if (name.endsWith('.')) name = name.slice(0, -1);
    if (!NAME.test(name)) return undefined;
  }
  if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
  return name;
}

/**
 * Normalises one configured entry (a hostname or IP literal, no scheme, path or port). Throws
 * {@link ValidationError} naming the entry otherwise.
 */
export function normaliseAllowedHost(entry: string): string {
  const trimmed = entry.trim();
  // A bare IPv6 literal is taken as is; any other colon belongs to a scheme or a port.
  const candidate = !trimmed.startsWith('[') && (trimmed.match(/:/g)?.length ?? 0) > 1 ? `[${trimmed}]` : trimmed;
  const hasPort = candidate.startsWith('[') ? !candidate.endsWith(']') : candidate.includes(':');
  const name = hostnameOf(candidate);
  if (name === undefined || hasPort) {
    throw new ValidationError(`allowed host "${entry}" must be a hostname or IP address without scheme, port or path (e.g. rec.example.com)`, {
      details: { field: 'allowedHosts', value: entry },
    });
  }
  return name;
}

/** Options of {@link createHostAllowList}. */
export interface HostAllowListOptions {
  /** Hostnames accepted besides the loopback names. */
  allowedHosts?: readonly string[];
  /**
   * Accept only loopback names and `allowedHosts`, even when that list is empty: what a server bound
   * to a loopback interface wants. Otherwise an empty list accepts any host.
   */
  loopbackOnly?: boolean;
}

/** A decision on `Host` headers. */
export interface HostAllowList {
  /** False when every host is accepted (nothing to check). */
  readonly enforced: boolean;
  /** The configured names (normalised), without the loopback names. */
  readonly allowedHosts: readonly string[];
  /** True when a request with this `Host` header may be answered. */
  allows(host: string | undefined): boolean;
  /** Why `host` is refused, naming the setting that would let it through. */
  refusal(host: string | undefined): string;
}

/**
 * Builds the allow-list: with a non-empty `allowedHosts` or `loopbackOnly`, a `Host` is accepted when
 * its hostname is a loopback name or listed; a request without a usable `Host` is refused then.
 * @example
 * const hosts = createHostAllowList({ allowedHosts: ['rec.example.com'], loopbackOnly: true });
 * hosts.allows('localhost:8080'); // true
 * hosts.allows('evil.example'); // false
 */
export function createHostAllowList(options: HostAllowListOptions = {}): HostAllowList {
  const allowedHosts = [...new Set((options.allowedHosts ?? []).map(normaliseAllowedHost))];
  const listed = new Set(allowedHosts);
  const enforced = options.loopbackOnly === true || allowedHosts.length > 0;
  const accepted = ['localhost', '127.x.y.z', '[::1]', ...allowedHosts.map((n) => (n.includes(':') ? `[${n}]` : n))];
  return {
    enforced,
    allowedHosts,
    allows(host) {
      if (!enforced) return true;
      const name = hostnameOf(host);
      return name !== undefined && (isLoopbackHostname(name) || listed.has(name));
    },
    refusal(host) {
      const shown = host === undefined ? 'no Host header' : `host "${host.length > SHOWN ? `${host.slice(0, SHOWN)}…` : host}"`;
      return (
        `${shown} is not allowed: this server answers only to ${accepted.join(', ')}; if the name is yours, add it to the ` +
        'allowed hosts (server.allowedHosts in lmrec.config.json or LMREC_ALLOWED_HOSTS, a comma list; `allowedHosts` of createServer)'
      );
    },
  };
}
