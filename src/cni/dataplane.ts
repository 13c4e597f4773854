// Pod networking on Linux as Calico's dataplane_linux.go lays it out, done with
// iproute2: a veth pair whose host end (MAC ee:ee:ee:ee:ee:ee, no address)
// answers ARP for 169.254.1.1 by proxy ARP, a /32 (/128) route per pod address
// on the host, and inside the pod a link route to 169.254.1.1 with the default
// route through it (IPv6: through the host end's link-local address).
// The host side is whatever network namespace this process runs in; the
// container side is entered through its CNI_NETNS path with nsenter. Sysctls
// of the host side are written straight to /proc/sys/net, which is per network
// namespace of the writing process.
import { randomBytes } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { spawnCollect as exec, type ExecResult } from '../exec/collect.js';
import { CniCode, CniError } from './errors.js';

export const HOST_SIDE_MAC = 'ee:ee:ee:ee:ee:ee';
/** EUI-64 link-local address of HOST_SIDE_MAC: the pod's IPv6 next hop. */
export const HOST_SIDE_LINK_LOCAL = 'fe80::ecee:eeff:feee:eeee';
export const GATEWAY_V4 = '169.254.1.1';

async function must(what: string, argv: readonly string[], stdin = ''): Promise<string> {
  const r = await exec(argv, stdin);
  if (r.code !== 0) throw new CniError(CniCode.internal, `${what}: ${r.stderr.trim() || `exit code ${r.code}`}`);
  return r.stdout;
}

/** Commands run inside the container's network namespace: a shell script under nsenter. */
function inNetns(netns: string, script: string, stdin = ''): Promise<ExecResult> {
  return exec(['nsenter', `--net=${netns}`, 'sh', '-ec', script], stdin);
}

/** A link exists in this process's namespace (its conf directory is per namespace). */
export function hostLinkExists(name: string): boolean {
  return existsSync(`/proc/sys/net/ipv4/conf/${name}`) || existsSync(`/proc/sys/net/ipv6/conf/${name}`);
}

/**
 * Checks CNI_NETNS before anything is allocated: it must exist, and must not be
 * the namespace this plugin runs in (that would wire the host to itself).
 */
export function checkNetns(netns: string): void {
  let target;
  try {
    target = statSync(netns);
  } catch {
    throw new CniError(CniCode.unknownContainer, `network namespace "${netns}" does not exist: the container is gone or CNI_NETNS is wrong`);
  }
  const own = statSync('/proc/self/ns/net');
  if (target.ino === own.ino && target.dev === own.dev) {
    throw new CniError(CniCode.invalidNetns, "plugin's netns and netns from CNI_NETNS should not be the same");
  }
}

function writeSysctl(path: string, value: string, bestEffort = false): void {
  try {
    writeFileSync(`/proc/sys/${path}`, value);
  } catch (err) {
    if (!bestEffort) throw new CniError(CniCode.internal, `failed to set ${path.replaceAll('/', '.')}=${value}: ${(err as Error).message}`);
  }
}

/** A random locally administered unicast MAC for the container end. */
function randomMac(): string {
  const b = randomBytes(6);
  b[0] = ((b[0] ?? 0) & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export interface PodAddress {
  readonly family: 4 | 6;
  /** The bare address. */
  readonly ip: string;
}

export interface VethSpec {
  readonly netns: string;
  readonly ifName: string;
  readonly hostVeth: string;
  readonly mtu: number;
  readonly numQueues: number;
}

export interface PodRouting {
  readonly addresses: readonly PodAddress[];
  /** Destinations routed through the host inside the pod (default `0.0.0.0/0`, `::/0`). */
  readonly routes: readonly string[];
  readonly allowIpForwarding: boolean;
  /** calico-ipam returned no routes: Felix programs the host routes later. */
  readonly skipHostRoutes: boolean;
}

/**
 * Creates the veth pair, both ends down: the host end (ee:ee:ee:ee:ee:ee) here,
 * the container end in its namespace. Needs no address, so an ADD runs it
 * while IPAM works. Returns the container end's MAC.
 */
export async function createVethPair(p: VethSpec): Promise<string> {
  // A leftover host end of the same name (a repeated ADD, or a pod of the same
  // name recreated) is deleted first; its container end goes with it.
  if (hostLinkExists(p.hostVeth)) await must(`failed to delete existing interface ${p.hostVeth}`, ['ip', 'link', 'del', p.hostVeth]);
  const mac = randomMac();
  const mtu = p.mtu > 0 ? ['mtu', String(p.mtu)] : [];
  const queues = p.numQueues > 1 ? ['numtxqueues', String(p.numQueues), 'numrxqueues', String(p.numQueues)] : [];
  const add = await exec([
    'ip', 'link', 'add', p.hostVeth, ...mtu, ...queues, 'address', HOST_SIDE_MAC, 'type', 'veth',
    'peer', 'name', p.ifName, ...mtu, ...queues, 'address', mac, 'netns', p.netns,
  ]);
  if (add.code !== 0) {
    throw new CniError(
      CniCode.internal,
      /File exists/.test(add.stderr)
        ? `failed to create veth pair: an interface named ${p.ifName} already exists in ${p.netns}`
        : `failed to create veth pair ${p.hostVeth}/${p.ifName}: ${add.stderr.trim()}`,
    );
  }
  return mac;
}

/**
 * Addresses, routes and sysctls on both ends of a pair createVethPair made.
 * The host side and the pod side are independent, so their iproute2 batches
 * run side by side.
 */
export async function configurePodNetworking(p: VethSpec, r: PodRouting): Promise<void> {
  const has4 = r.addresses.some((a) => a.family === 4);
  const has6 = r.addresses.some((a) => a.family === 6);
  const v = p.hostVeth;
  // Before the link comes up: with accept_dad=0 the link-local address (the
  // pod's IPv6 next hop) is usable at once instead of tentative.
  if (has4) {
    writeSysctl(`net/ipv4/conf/${v}/route_localnet`, '1');
    writeSysctl(`net/ipv4/neigh/${v}/proxy_delay`, '0', true);
    writeSysctl(`net/ipv4/conf/${v}/proxy_arp`, '1');
    writeSysctl(`net/ipv4/conf/${v}/forwarding`, '1');
  }
  if (has6) {
    writeSysctl(`net/ipv6/conf/${v}/accept_dad`, '0');
    writeSysctl(`net/ipv6/conf/${v}/disable_ipv6`, '0');
    writeSysctl(`net/ipv6/conf/${v}/proxy_ndp`, '1');
    writeSysctl(`net/ipv6/conf/${v}/forwarding`, '1');
  }
  writeSysctl(`net/ipv6/conf/${v}/accept_ra`, '0', true);

  const host = [`link set ${v} up`];
  if (!r.skipHostRoutes) {
    for (const a of r.addresses) host.push(`route add ${a.ip}/${a.family === 4 ? 32 : 128} dev ${v} scope link proto boot`);
  }

  // Inside the pod: sysctls first (IPv6 must be enabled before its routes),
  // then one iproute2 batch for link, routes and addresses.
  const sysctls: string[] = [];
  if (has6) {
    for (const dev of ['all', 'default', 'lo']) sysctls.push(`echo 0 > /proc/sys/net/ipv6/conf/${dev}/disable_ipv6`);
    sysctls.push(`echo 0 > /proc/sys/net/ipv6/conf/${p.ifName}/accept_dad`);
  }
  const fwd = r.allowIpForwarding ? '1' : '0';
  if (has4) sysctls.push(`echo ${fwd} > /proc/sys/net/ipv4/ip_forward`);
  if (has6) sysctls.push(`echo ${fwd} > /proc/sys/net/ipv6/conf/all/forwarding`);
  const cont = [`link set ${p.ifName} up`];
  if (has4) {
    cont.push(`route add ${GATEWAY_V4}/32 dev ${p.ifName} scope link`);
    for (const d of r.routes.filter((x) => !x.includes(':'))) cont.push(`route add ${d} via ${GATEWAY_V4} dev ${p.ifName}`);
  }
  if (has6) {
    for (const d of r.routes.filter((x) => x.includes(':'))) cont.push(`route add ${d} via ${HOST_SIDE_LINK_LOCAL} dev ${p.ifName}`);
  }
  for (const a of r.addresses) cont.push(`address add ${a.ip}/${a.family === 4 ? 32 : 128} dev ${p.ifName}`);

  const [hostOut, contOut] = await Promise.all([
    exec(['ip', '-batch', '-'], `${host.join('\n')}\n`),
    inNetns(p.netns, `${sysctls.join('\n')}\nip -batch -`, `${cont.join('\n')}\n`),
  ]);
  if (hostOut.code !== 0) await explainHostRouteFailure(v, r, hostOut.stderr);
  if (contOut.code !== 0) throw new CniError(CniCode.internal, `failed to configure ${p.ifName} in ${p.netns}: ${contOut.stderr.trim()}`);
}

/** Upstream's SetupRoutes: a route to the pod on another interface means the address is in use elsewhere. */
async function explainHostRouteFailure(hostVeth: string, r: PodRouting, stderr: string): Promise<never> {
  if (/File exists/.test(stderr)) {
    for (const a of r.addresses) {
      const dst = `${a.ip}/${a.family === 4 ? 32 : 128}`;
      const shown = await exec(['ip', `-${a.family}`, '-j', 'route', 'show', 'exact', dst]);
      const routes = JSON.parse(shown.stdout || '[]') as { dev?: string }[];
      const other = routes.find((rt) => rt.dev !== hostVeth);
      if (other !== undefined) {
        throw new CniError(CniCode.internal, `route (Dst: ${dst}, Scope: link) already exists for an interface other than '${hostVeth}': ${other.dev ?? 'unknown'}`);
      }
    }
    throw new CniError(CniCode.internal, `failed to add host routes for ${hostVeth}: ${stderr.trim()}`);
  }
  throw new CniError(CniCode.internal, `failed to set up ${hostVeth} on the host: ${stderr.trim()}`);
}

/** Undoes a half-done ADD: removing the host end removes the pair. */
export async function removeHostVeth(name: string): Promise<void> {
  if (hostLinkExists(name)) await exec(['ip', 'link', 'del', name]);
}

/**
 * DEL's CleanUpNamespace: delete the container interface; a namespace or an
 * interface that is already gone is success.
 */
export async function cleanUpNamespace(netns: string, ifName: string): Promise<void> {
  if (netns === '' || !existsSync(netns)) return;
  const r = await exec(['nsenter', `--net=${netns}`, 'ip', 'link', 'del', ifName]);
  if (r.code === 0) return;
  // The interface or the namespace went away on its own: nothing left to do.
  if (/Cannot find device|does not exist|No such file|Invalid argument/.test(r.stderr)) return;
  throw new CniError(CniCode.internal, `failed to delete ${ifName} in ${netns}: ${r.stderr.trim()}`);
}

export interface ContainerState {
  readonly mac: string | undefined;
  readonly addresses: readonly string[];
  readonly routes: readonly string[];
}

/** What the container's interface looks like now (for CHECK). */
export async function containerState(netns: string, ifName: string): Promise<ContainerState | undefined> {
  const r = await inNetns(netns, `ip -j address show dev ${ifName}; echo; ip -j route show dev ${ifName}; echo; ip -j -6 route show dev ${ifName}`);
  if (r.code !== 0) return undefined;
  const [addrJson, routeJson, route6Json] = r.stdout.split('\n').filter((l) => l.trim() !== '');
  const links = JSON.parse(addrJson ?? '[]') as { address?: string; addr_info?: { local: string; prefixlen: number }[] }[];
  const link = links[0];
  const routes = [...(JSON.parse(routeJson ?? '[]') as { dst: string }[]), ...(JSON.parse(route6Json ?? '[]') as { dst: string }[])];
  return {
    mac: link?.address,
    addresses: (link?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`),
    routes: routes.map((rt) => rt.dst),
  };
}
