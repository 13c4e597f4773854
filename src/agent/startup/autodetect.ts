// Upstream's IP autodetection (node/pkg/lifecycle/startup/autodetection), as
// pure functions over the host's interface list: which interfaces each method
// looks at, in which order, and which address it takes. The shell reads the
// list with `ip -j addr` and the kernel's source address with `ip -j route get`.
import { canonicalIp, cidrContainsIp, parseIp, type IpAddress, type IpFamily, type ParsedIp } from '../../api/net.js';
import type { DetectionMethod } from './env.js';

export interface HostAddress {
  readonly family: IpFamily;
  readonly address: IpAddress;
  readonly prefixLength: number;
}

/** One link, as the kernel lists it (by index), with every address on it. */
export interface HostInterface {
  readonly index: number;
  readonly name: string;
  readonly addresses: readonly HostAddress[];
}

/** An interface address written as Calico stores it: the address with its interface prefix, `10.0.0.5/24`. */
export type InterfaceCidr = string;

export type Detection =
  | { readonly ok: true; readonly cidr: InterfaceCidr; readonly interface: string }
  | { readonly ok: false; readonly reason: string };

/** Interfaces first-found and skip-interface never consider (upstream's Linux list). */
export const DEFAULT_INTERFACES_TO_EXCLUDE: readonly string[] = [
  '^docker.*', '^cbr.*', '^dummy.*', '^podman.*',
  '^virbr.*', '^lxcbr.*', '^veth.*', '^lo', '^br-.*',
  '^cali.*', '^tunl.*', '^flannel.*', '^kube-ipvs.*', '^cni.*',
  '^vxlan\\.calico.*', '^vxlan-v6\\.calico.*', '^wireguard\\.cali.*', '^wg-v6\\.cali.*',
  '^nodelocaldns.*',
];
/** The default exclusions as upstream joins them into one regex. */
export const DEFAULT_EXCLUDE = new RegExp(`(${DEFAULT_INTERFACES_TO_EXCLUDE.join(')|(')})`);

interface IpJsonAddr {
  readonly family?: string;
  readonly local?: string;
  readonly prefixlen?: number;
}
interface IpJsonLink {
  readonly ifindex?: number;
  readonly ifname?: string;
  readonly addr_info?: readonly IpJsonAddr[];
}

/** Parses `ip -j addr` output; unparsable addresses are skipped, as upstream skips what it cannot parse. */
export function parseIpAddrJson(text: string): HostInterface[] {
  const links = JSON.parse(text) as readonly IpJsonLink[];
  const out: HostInterface[] = [];
  for (const l of links) {
    if (typeof l.ifname !== 'string' || typeof l.ifindex !== 'number') continue;
    const addresses: HostAddress[] = [];
    for (const a of l.addr_info ?? []) {
      const ip = typeof a.local === 'string' ? canonicalIp(a.local) : null;
      const family = a.family === 'inet' ? 4 : a.family === 'inet6' ? 6 : undefined;
      if (ip === null || family === undefined || typeof a.prefixlen !== 'number') continue;
      addresses.push({ family, address: ip, prefixLength: a.prefixlen });
    }
    out.push({ index: l.ifindex, name: l.ifname, addresses });
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * Upstream's GetInterfaces: the interfaces whose name matches `include` (when
 * given) and not `exclude`, with only the addresses of `families` — visited
 * from the highest index down, as upstream does to keep older versions' choice.
 */
export function filterInterfaces(
  ifaces: readonly HostInterface[],
  include: RegExp | undefined,
  exclude: RegExp | undefined,
  families: readonly IpFamily[],
): HostInterface[] {
  const out: HostInterface[] = [];
  for (let i = ifaces.length - 1; i >= 0; i--) {
    const iface = ifaces[i];
    if (iface === undefined) continue;
    if (include !== undefined && !include.test(iface.name)) continue;
    if (exclude?.test(iface.name) === true) continue;
    out.push({ ...iface, addresses: iface.addresses.filter((a) => families.includes(a.family)) });
  }
  return out;
}

function globalUnicastV4(v: bigint): boolean {
  const first = Number(v >> 24n);
  if (v === 0n || v === 0xffffffffn || first === 127 || (first >= 224 && first <= 239)) return false;
  return !(first === 169 && Number((v >> 16n) & 0xffn) === 254);
}

/** Go's IP.IsGlobalUnicast: not unspecified, loopback, multicast, link-local, or the IPv4 broadcast address. */
export function isGlobalUnicast(ip: ParsedIp): boolean {
  const v = ip.value;
  if (ip.family === 4) return globalUnicastV4(v);
  // Go holds IPv4 in IPv6 form and judges an IPv4-mapped address as IPv4.
  if (v >> 32n === 0xffffn) return globalUnicastV4(v & 0xffffffffn);
  if (v === 0n || v === 1n) return false;
  const top16 = Number(v >> 112n);
  return top16 >> 8 !== 0xff && (top16 & 0xffc0) !== 0xfe80;
}

export function interfaceCidr(a: HostAddress): InterfaceCidr {
  return `${a.address}/${a.prefixLength}`;
}

/** Upstream's FilteredEnumeration: the first global unicast address (within `cidrs`, when given) of the filtered interfaces. */
function firstFound(ifaces: readonly HostInterface[], include: RegExp | undefined, exclude: RegExp | undefined, family: IpFamily, method: DetectionMethod): Detection {
  const candidates = filterInterfaces(ifaces, include, exclude, [family]);
  if (candidates.length === 0) return { ok: false, reason: 'no valid host interfaces found' };
  for (const iface of candidates) {
    for (const a of iface.addresses) {
      const ip = parseIp(a.address);
      if (ip === null || !isGlobalUnicast(ip)) continue;
      if (method.kind === 'cidr' && !method.cidrs.some((c) => cidrContainsIp(c, ip))) continue;
      return { ok: true, cidr: interfaceCidr(a), interface: iface.name };
    }
  }
  return { ok: false, reason: `no valid IPv${family} addresses found on the host interfaces` };
}

/** The interface address equal to `ip`, looked for on every interface (no exclusions). */
export function localCidrOf(ifaces: readonly HostInterface[], ip: ParsedIp): { readonly cidr: InterfaceCidr; readonly interface: string } | undefined {
  for (const iface of filterInterfaces(ifaces, undefined, undefined, [ip.family])) {
    for (const a of iface.addresses) {
      const mine = parseIp(a.address);
      if (mine !== null && mine.value === ip.value) return { cidr: interfaceCidr(a), interface: iface.name };
    }
  }
  return undefined;
}

/** What the kernel chose as source for a can-reach destination (`ip route get`), or why there is none. */
export type ReachSource = { readonly ok: true; readonly source: IpAddress } | { readonly ok: false; readonly reason: string };

/**
 * Upstream's AutoDetectCIDR for one family. `reach` is the kernel's source
 * address towards the can-reach destination, looked up by the shell.
 */
export function autodetect(method: DetectionMethod, family: IpFamily, ifaces: readonly HostInterface[], reach?: ReachSource): Detection {
  switch (method.kind) {
    case 'first-found':
      return firstFound(ifaces, undefined, DEFAULT_EXCLUDE, family, method);
    case 'interface':
      return firstFound(ifaces, method.match, undefined, family, method);
    case 'skip-interface':
      return firstFound(ifaces, undefined, new RegExp(`${DEFAULT_EXCLUDE.source}|(${method.patterns.join(')|(')})`), family, method);
    case 'cidr':
      return firstFound(ifaces, undefined, undefined, family, method);
    case 'can-reach': {
      if (reach === undefined) return { ok: false, reason: `no route to ${method.destination} was looked up` };
      if (!reach.ok) return reach;
      const ip = parseIp(reach.source);
      const found = ip === null ? undefined : localCidrOf(ifaces, ip);
      if (found === undefined) {
        return { ok: false, reason: `autodetected IPv${family} address does not match any addresses found on local interfaces: ${reach.source}` };
      }
      return { ok: true, ...found };
    }
    case 'kubernetes-internal-ip':
      return { ok: false, reason: "cannot use method 'kubernetes-internal-ip' when not running on a Kubernetes cluster" };
  }
}

/** Whether `ip` is on any interface (upstream's validateIP only warns when it is not). */
export function isLocalAddress(ifaces: readonly HostInterface[], ip: ParsedIp): boolean {
  return localCidrOf(ifaces, ip) !== undefined;
}
