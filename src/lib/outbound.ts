import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Outbound URLs taken from users (a tenant's plugin repository; webhooks) must not reach
 * Tenantry's own network: loopback, private, link-local (cloud metadata at 169.254.169.254),
 * unique-local, carrier-grade NAT, multicast and reserved addresses are refused unless the
 * installation allows them explicitly (`TENANTRY_OUTBOUND_ALLOWED_NETWORKS`).
 */

/** What may be reached even if it is not a public address: CIDRs and host names. */
export interface OutboundAllowance {
  networks: readonly string[];
}

export const NO_ALLOWANCE: OutboundAllowance = { networks: [] };

function parsedCidrs(allow: OutboundAllowance): [ipaddr.IPv4 | ipaddr.IPv6, number][] {
  const out: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const n of allow.networks) {
    if (n.includes("/")) out.push(ipaddr.parseCIDR(n));
    else if (ipaddr.isValid(n)) {
      const ip = ipaddr.parse(n);
      out.push([ip, ip.kind() === "ipv4" ? 32 : 128]);
    }
  }
  return out;
}

/** Checks an allowance's entries (configuration): the problem with the first bad one, or null. */
export function allowanceProblem(networks: readonly string[]): string | null {
  for (const n of networks) {
    if (n.includes("/")) {
      try {
        ipaddr.parseCIDR(n);
      } catch {
        return `"${n}" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)`;
      }
    } else if (!ipaddr.isValid(n) && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(n)) {
      return `"${n}" is neither an address, a CIDR nor a host name`;
    }
  }
  return null;
}

/** Why Tenantry must not connect to `address` for a user, or null for a public unicast address. */
export function addressProblem(address: string, allow: OutboundAllowance = NO_ALLOWANCE): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let ip = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1.
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  }
  for (const [net, bits] of parsedCidrs(allow)) {
    if (net.kind() === ip.kind() && ip.match(net, bits)) return null;
  }
  const range = ip.range();
  if (range === "unicast") return null;
  return `${address} is a ${range} address (not reachable for tenants' URLs unless TENANTRY_OUTBOUND_ALLOWED_NETWORKS allows it)`;
}

type LookupAll = (host: string) => Promise<{ address: string }[]>;
/** A resolver that answers within 3 s, or not at all (a name nothing can reach either). */
const lookupAll: LookupAll = (host) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error("timeout"), { code: "EAI_AGAIN" })), 3000);
    dns.promises.lookup(host, { all: true, verbatim: true }).then(
      (a) => {
        clearTimeout(timer);
        resolve(a);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });

/**
 * Why `url`'s host must not be reached: an address in a refused range, or a name that
 * resolves to one (any of its addresses). A name that does not resolve is no problem
 * here (nothing can connect to it either); connections made later should go through
 * {@link guardedLookup}, which checks again at connect time (DNS rebinding).
 */
export async function outboundUrlProblem(
  url: string,
  allow: OutboundAllowance = NO_ALLOWANCE,
  lookup: LookupAll = lookupAll,
): Promise<string | null> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return "is not a URL";
  }
  if (allow.networks.includes(host.toLowerCase())) return null;
  if (net.isIP(host)) return addressProblem(host, allow);
  if (host === "localhost" || host.endsWith(".localhost")) return `${host} is this machine`;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ENODATA") return null;
    throw err;
  }
  for (const { address } of addresses) {
    const problem = addressProblem(address, allow);
    if (problem) return `${host} resolves to ${problem}`;
  }
  return null;
}

/**
 * A `lookup` for `http.Agent`/`net.connect` that refuses refused ranges at connect time,
 * so a name that resolved to a public address when it was checked cannot be re-pointed
 * at an internal one before the request (DNS rebinding).
 */
export function guardedLookup(allow: OutboundAllowance = NO_ALLOWANCE): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as dns.LookupAddress[];
      if (!allow.networks.includes(hostname.toLowerCase())) {
        for (const a of list) {
          const problem = addressProblem(a.address, allow);
          if (problem) {
            const refused = Object.assign(new Error(`refusing to connect to ${hostname}: ${problem}`), {
              code: "EOUTBOUNDREFUSED",
            });
            return callback(refused, "", 0);
          }
        }
      }
      if ((options as dns.LookupOptions).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
      return callback(null, first.address, first.family);
    });
  };
}
