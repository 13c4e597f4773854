// Floating IPs (Felix's floating_ip_mgr.go and rules/nat.go): an endpoint's
// external address is DNATed to its internal one for traffic arriving
// (prerouting) and originating here (output); the only SNAT is the hairpin,
// a workload reaching itself through its own floating IP, which would
// otherwise receive a packet from itself on a non-loopback interface. Pure.
import type { IpFamily } from '../api/net.js';
import type { DataplaneConfig, NatInfo, WorkloadEndpointIntent } from '../calc/types.js';
import type { OwnedChain } from './owners.js';
import type { StaticChain } from './static-chains.js';
import { desiredChain } from './state.js';

export const NAT_CHAIN = {
  prerouting: 'nat-PREROUTING',
  output: 'nat-OUTPUT',
  postrouting: 'nat-POSTROUTING',
  caliPrerouting: 'nat-cali-PREROUTING',
  caliOutput: 'nat-cali-OUTPUT',
  caliPostrouting: 'nat-cali-POSTROUTING',
  fipDnat: 'nat-cali-fip-dnat',
  fipSnat: 'nat-cali-fip-snat',
} as const;

/** FloatingIPs, `Enabled` or `Disabled` (the default), compared case-insensitively as Felix does. */
export function floatingIpsEnabled(config: DataplaneConfig): boolean {
  return (config['FloatingIPs'] ?? '').toLowerCase() === 'enabled';
}

/** The orchestrator part of a Felix workload ID `<host>/<orchestrator>/<workload>/<endpoint>`. */
function orchestratorOf(id: string): string {
  return id.split('/')[1] ?? '';
}

/**
 * The NATs Felix programs for `ep` in `family`: all of them when FloatingIPs
 * is Enabled, and OpenStack's whatever the setting (it has always had them).
 */
export function endpointNats(ep: WorkloadEndpointIntent, family: IpFamily, enabled: boolean): readonly NatInfo[] {
  if (!enabled && orchestratorOf(ep.id) !== 'openstack') return [];
  return family === 4 ? ep.ipv4Nat : ep.ipv6Nat;
}

/** Go's string order, which Felix's tie-breaks and sort.Strings use: byte-wise, not numeric. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface CollatedNats {
  /** External → internal, sorted by external address as text. */
  readonly dnats: readonly (readonly [string, string])[];
  /** Internal → external, sorted by internal address as text. */
  readonly snats: readonly (readonly [string, string])[];
}

/**
 * One DNAT per external address (two endpoints claiming one: the textually
 * smaller internal address wins) and one hairpin SNAT per internal address
 * (several floating IPs: the textually smallest external address), as Felix.
 */
export function collateNats(nats: Iterable<NatInfo>): CollatedNats {
  const dnats = new Map<string, string>();
  for (const n of nats) {
    const have = dnats.get(n.extIp);
    if (have === undefined || n.intIp < have) dnats.set(n.extIp, n.intIp);
  }
  const snats = new Map<string, string>();
  for (const [ext, int] of dnats) {
    const have = snats.get(int);
    if (have === undefined || ext < have) snats.set(int, ext);
  }
  const sorted = (m: Map<string, string>): [string, string][] => [...m].sort(([a], [b]) => byteOrder(a, b));
  return { dnats: sorted(dnats), snats: sorted(snats) };
}

/**
 * The nat-type chains of one family, laid out as Felix's nftables mode has
 * them: base chains at Felix's priorities, each jumping to its `nat-cali-`
 * chain, which jumps to the floating-IP chain.
 */
export function natChains(family: IpFamily, nats: Iterable<NatInfo>): StaticChain[] {
  const a = family === 4 ? 'ip' : 'ip6';
  const { dnats, snats } = collateNats(nats);
  return [
    { name: NAT_CHAIN.prerouting, base: { type: 'nat', hook: 'prerouting', priority: 'dstnat' }, rules: [{ body: `counter jump ${NAT_CHAIN.caliPrerouting}` }] },
    // Felix hooks its nat OUTPUT chain at srcnat+10 (110), after filter: the host's
    // own packet is routed, and filtered, towards the floating IP's route first.
    { name: NAT_CHAIN.output, base: { type: 'nat', hook: 'output', priority: 110 }, rules: [{ body: `counter jump ${NAT_CHAIN.caliOutput}` }] },
    { name: NAT_CHAIN.postrouting, base: { type: 'nat', hook: 'postrouting', priority: 'srcnat + 10' }, rules: [{ body: `counter jump ${NAT_CHAIN.caliPostrouting}` }] },
    { name: NAT_CHAIN.caliPrerouting, rules: [{ body: `counter jump ${NAT_CHAIN.fipDnat}` }] },
    { name: NAT_CHAIN.caliOutput, rules: [{ body: `counter jump ${NAT_CHAIN.fipDnat}` }] },
    { name: NAT_CHAIN.caliPostrouting, rules: [{ body: `counter jump ${NAT_CHAIN.fipSnat}` }] },
    { name: NAT_CHAIN.fipDnat, rules: dnats.map(([ext, int]) => ({ body: `${a} daddr ${ext} counter dnat to ${int}` })) },
    { name: NAT_CHAIN.fipSnat, rules: snats.map(([int, ext]) => ({ body: `${a} saddr ${int} ${a} daddr ${int} counter snat to ${ext}` })) },
  ];
}

/**
 * The NAT chains of both families as one owner's chains, or none: they
 * exist while FloatingIPs is Enabled or an OpenStack endpoint has a
 * floating IP, so a host without the feature hooks no nat chain at all.
 */
export function natOwnedChains(weps: Iterable<WorkloadEndpointIntent>, enabled: boolean): OwnedChain[] {
  const list = [...weps];
  const v4 = list.flatMap((w) => endpointNats(w, 4, enabled));
  const v6 = list.flatMap((w) => endpointNats(w, 6, enabled));
  if (!enabled && v4.length + v6.length === 0) return [];
  const byFamily = { 4: natChains(4, v4), 6: natChains(6, v6) };
  return byFamily[4].map((c, i): OwnedChain => [
    c.name,
    (f) => {
      const chain = byFamily[f][i] ?? c;
      return desiredChain(chain.rules, chain.base);
    },
  ]);
}
