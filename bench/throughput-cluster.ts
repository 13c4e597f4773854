// The two datastores of the throughput benchmark: the calc benchmark's
// synthetic cluster with every policy (plus the two that let the iperf3
// traffic through after many rules that do not match it), and the same
// cluster with no policy at all, where the namespace profiles allow
// everything. The two pods are local endpoints of that cluster, chosen so that
// many of its policies select them.
import type { StoredResource } from '../src/datastore/types.js';
import { cluster, endpoint } from './calc.bench.js';

const V3 = 'projectcalico.org/v3';

/**
 * The server is endpoint 4 (ns-4, app-4): np-4 and np-504 select it in the
 * default tier and all 100 GlobalNetworkPolicies of the security tier select
 * app-4, so its ingress passes 200 security-tier rules that do not match
 * before the default tier. The client is endpoint 2 (ns-2, app-2): np-2 and
 * np-502 give it egress rules that do not match the iperf3 port.
 */
export const SERVER = { index: 4, app: 'app-4', ns: 'ns-4', iface: 'cali4', ip: '10.0.0.4' } as const;
export const CLIENT = { index: 2, app: 'app-2', ns: 'ns-2', iface: 'cali2', ip: '10.0.0.2' } as const;
export const IPERF_PORT = 5201;
/** A port no policy allows: proves the policy case really enforces. */
export const BLOCKED_PORT = 8081;
/** Rules that do not match the benchmark's traffic, ahead of the one that allows it. */
const MISSES = 30;

function misses(side: 'source' | 'destination'): Record<string, unknown>[] {
  return Array.from({ length: MISSES }, (_, k) => ({ action: 'Deny', protocol: 'TCP', [side]: { nets: [`172.16.${k}.0/24`] } }));
}

/** Lets the client's connections to the iperf3 port into the server, after MISSES rules. */
function serverIngress(): StoredResource {
  return {
    apiVersion: V3,
    kind: 'NetworkPolicy',
    metadata: { name: 'bench-iperf-ingress', namespace: SERVER.ns },
    spec: {
      order: 1000,
      selector: `app == '${SERVER.app}'`,
      ingress: [
        ...misses('source'),
        {
          action: 'Allow',
          protocol: 'TCP',
          source: { namespaceSelector: `projectcalico.org/name == '${CLIENT.ns}'`, selector: `app == '${CLIENT.app}'` },
          destination: { ports: [IPERF_PORT] },
        },
      ],
      types: ['Ingress'],
    },
  };
}

/** Lets the client connect out to the server's iperf3 port, after MISSES rules. */
function clientEgress(): StoredResource {
  return {
    apiVersion: V3,
    kind: 'NetworkPolicy',
    metadata: { name: 'bench-iperf-egress', namespace: CLIENT.ns },
    spec: {
      order: 1000,
      selector: `app == '${CLIENT.app}'`,
      egress: [
        ...misses('destination'),
        {
          action: 'Allow',
          protocol: 'TCP',
          destination: { namespaceSelector: `projectcalico.org/name == '${SERVER.ns}'`, selector: `app == '${SERVER.app}'`, ports: [IPERF_PORT] },
        },
      ],
      types: ['Egress'],
    },
  };
}

const POLICY_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy']);

export interface Clusters {
  readonly withPolicy: readonly StoredResource[];
  readonly withoutPolicy: readonly StoredResource[];
  readonly policies: number;
}

export function clusters(): Clusters {
  // The generator draws app labels at random: pin the two pods' labels.
  const pinned = new Map([SERVER, CLIENT].map((p) => [endpoint(p.index, p.app).metadata.name, endpoint(p.index, p.app)]));
  const base = cluster().map((r) => (r.kind === 'WorkloadEndpoint' ? (pinned.get(r.metadata.name) ?? r) : r));
  const withPolicy = [...base, serverIngress(), clientEgress()];
  return {
    withPolicy,
    withoutPolicy: base.filter((r) => !POLICY_KINDS.has(r.kind)),
    policies: withPolicy.filter((r) => POLICY_KINDS.has(r.kind)).length,
  };
}

export interface IperfResult {
  readonly receivedBitsPerSecond: number;
  readonly retransmits: number;
}

/** The receiver's figure from `iperf3 -J`: what actually arrived, not what was sent. */
export function parseIperf(json: string): IperfResult {
  const doc = JSON.parse(json) as { error?: string; end?: { sum_received?: { bits_per_second?: number }; sum_sent?: { retransmits?: number } } };
  if (doc.error !== undefined) throw new Error(`iperf3: ${doc.error}`);
  const bps = doc.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new Error(`iperf3 reported no received throughput: ${json.slice(0, 300)}`);
  return { receivedBitsPerSecond: bps, retransmits: doc.end?.sum_sent?.retransmits ?? 0 };
}

/** Rules in an `nft -a list ruleset` listing: handle-carrying lines that are not tables, chains, sets or maps. */
export function countRules(listing: string): number {
  return listing
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes('# handle') && !/^(table|chain|set|map|flowtable) /.test(l)).length;
}
