// Routes, neighbours and sysctls for local workloads (felix route_mgr /
// endpoint_mgr's interface configuration). Routes carry our own protocol
// number, so a restarted agent finds exactly its own with
// `ip route show proto <n>` and removes those no endpoint wants.
import { parseCidr, formatIp, type IpFamily } from '../api/net.js';
import type { DataplaneUpdate, WorkloadEndpointIntent } from '../calc/types.js';
import { NetnsShell, check, type Shell } from './shell.js';
import { endpointNats, floatingIpsEnabled } from './floating-ips.js';

/** Default protocol of the routes we own; `DeviceRouteProtocol` in config overrides it. */
export const DEFAULT_ROUTE_PROTOCOL = 80;

export interface RouteManagerOptions {
  readonly netns?: string;
  readonly shell?: Shell;
  readonly families?: readonly IpFamily[];
}

export interface RouteApplyStats {
  readonly skipped: boolean;
  readonly routesAdded: number;
  readonly routesRemoved: number;
  /** Routes waiting for their interface to appear or come up. */
  readonly routesPending: number;
  readonly interfacesConfigured: number;
  /** Addresses whose conntrack entries were deleted because no endpoint has them any more. */
  readonly conntrackFlushed: number;
  readonly durationMs: number;
}

interface WantedRoute {
  readonly family: IpFamily;
  readonly dst: string;
  readonly iface: string;
  readonly mac?: string;
}

type Json = Record<string, unknown>;

/** `10.0.0.5/32` → `10.0.0.5`, the form `ip -j route` prints for host routes. */
function hostRouteKey(family: IpFamily, cidr: string): string | null {
  const c = parseCidr(cidr);
  if (c === null || c.family !== family) return null;
  const addr = formatIp(c.family, c.network);
  return c.prefixLength === (family === 4 ? 32 : 128) ? addr : `${addr}/${c.prefixLength}`;
}

/**
 * Felix programs a workload route only once its interface is operationally up
 * (IFF_RUNNING: the kernel refuses a route through an interface that is
 * administratively down, and a veth whose peer is still down carries nothing).
 * `ip` prints IFF_RUNNING as an operstate of UP, or UNKNOWN for drivers that
 * do not report one (dummy, tun).
 */
export function linkIsOperUp(flags: readonly string[], operstate: string): boolean {
  return flags.includes('UP') && (operstate === 'UP' || operstate === 'UNKNOWN');
}

interface Link {
  readonly index: number;
  readonly up: boolean;
}

/** The per-interface sysctls of a workload interface, as `sysctl -w` arguments. */
export function interfaceSysctls(iface: string, v4: boolean, v6: boolean): string[] {
  const out: string[] = [];
  if (v4) {
    out.push(`net/ipv4/conf/${iface}/proxy_arp=1`, `net/ipv4/neigh/${iface}/proxy_delay=0`, `net/ipv4/conf/${iface}/forwarding=1`);
  }
  if (v6) out.push(`net/ipv6/conf/${iface}/proxy_ndp=1`, `net/ipv6/conf/${iface}/forwarding=1`, `net/ipv6/conf/${iface}/accept_ra=0`);
  return out;
}

export class RouteManager {
  private readonly shell: Shell;
  private readonly families: readonly IpFamily[];
  private readonly endpoints = new Map<string, WorkloadEndpointIntent>();
  private protocol = DEFAULT_ROUTE_PROTOCOL;
  private floatingIps = false;
  private inSync = false;
  /** Interfaces whose sysctls we set, by ifindex (a recreated interface needs them again). */
  private readonly configured = new Map<string, number>();
  private globalsDone = false;
  /** Workload addresses as of the last apply, to find the ones that went. */
  private lastAddresses = new Map<string, IpFamily>();

  constructor(opts: RouteManagerOptions = {}) {
    this.shell = opts.shell ?? new NetnsShell(opts.netns);
    this.families = opts.families ?? [4, 6];
  }

  get routeProtocol(): number {
    return this.protocol;
  }

  onUpdate(u: DataplaneUpdate): void {
    if (u.type === 'workload-endpoint-update') this.endpoints.set(u.endpoint.id, u.endpoint);
    else if (u.type === 'workload-endpoint-remove') this.endpoints.delete(u.id);
    else if (u.type === 'in-sync') this.inSync = true;
    else if (u.type === 'config-update') {
      const p = Number(u.config.DeviceRouteProtocol ?? DEFAULT_ROUTE_PROTOCOL);
      this.protocol = Number.isInteger(p) && p > 0 && p < 256 ? p : DEFAULT_ROUTE_PROTOCOL;
      this.floatingIps = floatingIpsEnabled(u.config);
    }
  }

  private wanted(): WantedRoute[] {
    const out: WantedRoute[] = [];
    for (const ep of this.endpoints.values()) {
      for (const family of this.families) {
        for (const net of family === 4 ? ep.ipv4Nets : ep.ipv6Nets) {
          const dst = hostRouteKey(family, net);
          if (dst !== null) out.push({ family, dst, iface: ep.interfaceName, ...(ep.mac === undefined ? {} : { mac: ep.mac }) });
        }
        // As Felix's endpoint manager: a programmed floating IP is routed to its workload too.
        for (const nat of endpointNats(ep, family, this.floatingIps)) {
          out.push({ family, dst: nat.extIp, iface: ep.interfaceName, ...(ep.mac === undefined ? {} : { mac: ep.mac }) });
        }
      }
    }
    return out;
  }

  private async links(): Promise<Map<string, Link>> {
    const r = check('ip link show', await this.shell.exec(['ip', '-j', 'link', 'show']));
    const out = new Map<string, Link>();
    for (const l of JSON.parse(r.stdout || '[]') as Json[]) {
      const flags = Array.isArray(l.flags) ? l.flags.map(String) : [];
      out.set(String(l.ifname), { index: Number(l.ifindex), up: linkIsOperUp(flags, String(l.operstate ?? '')) });
    }
    return out;
  }

  private async ourRoutes(family: IpFamily): Promise<Map<string, string>> {
    const r = check('ip route show', await this.shell.exec(['ip', '-j', `-${family}`, 'route', 'show', 'proto', String(this.protocol)]));
    const out = new Map<string, string>();
    for (const route of JSON.parse(r.stdout || '[]') as Json[]) out.set(String(route.dst), String(route.dev ?? ''));
    return out;
  }

  /**
   * Makes routes match the endpoints: adds/replaces wanted ones whose
   * interface is up, deletes routes of our protocol nobody wants, sets
   * interface sysctls once per interface. A no-op before `in-sync`.
   */
  async apply(): Promise<RouteApplyStats> {
    const start = performance.now();
    if (!this.inSync) return { skipped: true, routesAdded: 0, routesRemoved: 0, routesPending: 0, interfacesConfigured: 0, conntrackFlushed: 0, durationMs: 0 };
    // The three read-backs are independent: one round of process start-ups instead of three.
    const [links, ...haves] = await Promise.all([this.links(), ...this.families.map((f) => this.ourRoutes(f))]);
    const batch: string[] = [];
    let added = 0;
    let removed = 0;
    let pending = 0;
    const wanted = this.wanted();
    for (const [i, family] of this.families.entries()) {
      const have = haves[i] ?? new Map<string, string>();
      const want = new Map<string, WantedRoute>();
      for (const w of wanted) if (w.family === family) want.set(w.dst, w);
      for (const [dst, dev] of have) {
        const w = want.get(dst);
        if (w === undefined || w.iface !== dev) {
          batch.push(`route del ${dst} dev ${dev} proto ${this.protocol}`);
          removed++;
        }
      }
      for (const w of want.values()) {
        const present = have.get(w.dst) === w.iface;
        // A route already in place stays while its interface is down (the kernel marks it linkdown).
        if (!present && links.get(w.iface)?.up !== true) {
          pending++;
          continue;
        }
        if (!present) {
          batch.push(`route replace ${w.dst} dev ${w.iface} proto ${this.protocol} scope link`);
          added++;
        }
        if (w.mac !== undefined) batch.push(`neigh replace ${w.dst} lladdr ${w.mac} dev ${w.iface} nud permanent`);
      }
    }
    if (batch.length > 0) check('ip -batch', await this.shell.exec(['ip', '-force', '-batch', '-'], batch.join('\n') + '\n'));
    const sysctls: string[] = [];
    if (!this.globalsDone) {
      if (this.families.includes(4)) sysctls.push('net/ipv4/ip_forward=1');
      if (this.families.includes(6)) sysctls.push('net/ipv6/conf/all/forwarding=1');
    }
    let configured = 0;
    const stillWanted = new Set<string>();
    for (const ep of this.endpoints.values()) {
      const idx = links.get(ep.interfaceName)?.index;
      if (idx === undefined) continue;
      stillWanted.add(ep.interfaceName);
      if (this.configured.get(ep.interfaceName) === idx) continue;
      sysctls.push(...interfaceSysctls(ep.interfaceName, this.families.includes(4), this.families.includes(6) && ep.ipv6Nets.length > 0));
      this.configured.set(ep.interfaceName, idx);
      configured++;
    }
    // An endpoint gone while its interface stays: stop answering ARP for it.
    for (const iface of [...this.configured.keys()]) {
      if (stillWanted.has(iface)) continue;
      this.configured.delete(iface);
      if (links.has(iface) && this.families.includes(4)) sysctls.push(`net/ipv4/conf/${iface}/proxy_arp=0`);
    }
    if (sysctls.length > 0) {
      check('sysctl', await this.shell.exec(['sysctl', '-q', '-w', ...sysctls]));
      this.globalsDone = true;
    }
    const conntrackFlushed = await this.flushConntrackOfGone(wanted);
    return { skipped: false, routesAdded: added, routesRemoved: removed, routesPending: pending, interfacesConfigured: configured, conntrackFlushed, durationMs: performance.now() - start };
  }

  /**
   * Connections of an address no endpoint has any more must not outlive it:
   * the address may be handed to another pod, which would inherit them.
   */
  private async flushConntrackOfGone(wanted: readonly WantedRoute[]): Promise<number> {
    const now = new Map<string, IpFamily>();
    for (const w of wanted) if (!w.dst.includes('/')) now.set(w.dst, w.family);
    let n = 0;
    for (const [ip, family] of this.lastAddresses) {
      if (now.has(ip)) continue;
      // conntrack exits 1 when nothing matched: not an error here.
      for (const dir of ['-s', '-d']) await this.shell.exec(['conntrack', '-D', '-f', family === 4 ? 'ipv4' : 'ipv6', dir, ip]);
      n++;
    }
    this.lastAddresses = now;
    return n;
  }

  /** Re-checks everything, including sysctls someone may have reset. */
  resync(): Promise<RouteApplyStats> {
    this.configured.clear();
    this.globalsDone = false;
    return this.apply();
  }
}
