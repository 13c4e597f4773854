// The contract between the calculation graph and the dataplane: what the calc
// graph emits once it has reduced the cluster to what this host must program.
// Shapes follow Felix's proto messages (felix/proto), with rule selectors
// already replaced by IP set IDs. Everything here is immutable data.
import type { Cidr, IpAddress } from '../api/net.js';

declare const ipSetIdBrand: unique symbol;
/** An IP set's ID as Felix computes it: `s:<hash>` (selector), `n:<hash>` (named port), `svc:…`. */
export type IpSetId = string & { readonly [ipSetIdBrand]: true };

/** `net`: members are CIDRs (hash:net / nft interval set). `ip-and-port`: members are `ip,proto:port`. */
export type IpSetType = 'net' | 'ip-and-port';

/**
 * A member in Felix's text form: `10.0.0.1/32`, `fd00::1/128`, `10.0.0.0/8` for
 * net sets; `10.0.0.1,tcp:8080` for ip-and-port sets.
 */
export type IpSetMember = string;

export type Protocol = number; // IANA protocol number: tcp 6, udp 17, icmp 1, icmpv6 58, sctp 132, udplite 136

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

export type RuleAction = 'allow' | 'deny' | 'log' | 'pass';

/** A rule after the RuleScanner: selectors and named ports are IP set IDs. Empty list = no constraint. */
export interface ParsedRule {
  readonly action: RuleAction;
  readonly ipVersion?: 4 | 6;
  readonly protocol?: Protocol;
  readonly notProtocol?: Protocol;
  readonly srcNets: readonly Cidr[];
  readonly notSrcNets: readonly Cidr[];
  readonly dstNets: readonly Cidr[];
  readonly notDstNets: readonly Cidr[];
  readonly srcPorts: readonly PortRange[];
  readonly notSrcPorts: readonly PortRange[];
  readonly dstPorts: readonly PortRange[];
  readonly notDstPorts: readonly PortRange[];
  /** Packet source must be in every one of these sets. */
  readonly srcIpSetIds: readonly IpSetId[];
  readonly notSrcIpSetIds: readonly IpSetId[];
  readonly dstIpSetIds: readonly IpSetId[];
  readonly notDstIpSetIds: readonly IpSetId[];
  /** (source ip, protocol, source port) must be in ANY of these ip-and-port sets, OR the port in srcPorts. */
  readonly srcNamedPortIpSetIds: readonly IpSetId[];
  readonly notSrcNamedPortIpSetIds: readonly IpSetId[];
  readonly dstNamedPortIpSetIds: readonly IpSetId[];
  readonly notDstNamedPortIpSetIds: readonly IpSetId[];
  /** Kubernetes Service destination (ip, proto, port) sets. */
  readonly dstIpPortSetIds: readonly IpSetId[];
  readonly icmp?: { readonly type: number; readonly code?: number };
  readonly notIcmp?: { readonly type: number; readonly code?: number };
  /** 16-character rule ID (Felix's rule hash), for logs and counters. */
  readonly ruleId: string;
}

/** Policy identity; `idString` gives Felix's `<kindShort>/[<ns>/]<name>` used in chain names. */
export interface PolicyId {
  readonly kind:
    | 'NetworkPolicy'
    | 'GlobalNetworkPolicy'
    | 'KubernetesNetworkPolicy'
    | 'StagedNetworkPolicy'
    | 'StagedGlobalNetworkPolicy'
    | 'StagedKubernetesNetworkPolicy';
  readonly namespace?: string;
  readonly name: string;
}

export interface ActivePolicy {
  readonly tier: string;
  readonly inboundRules: readonly ParsedRule[];
  readonly outboundRules: readonly ParsedRule[];
  readonly untracked: boolean;
  readonly preDNAT: boolean;
  readonly applyOnForward: boolean;
}

export interface ActiveProfile {
  readonly inboundRules: readonly ParsedRule[];
  readonly outboundRules: readonly ParsedRule[];
}

export interface TierInfo {
  readonly name: string;
  readonly defaultAction: 'deny' | 'pass';
  /** Policy ID strings (`idString` form), in evaluation order. */
  readonly ingressPolicies: readonly string[];
  readonly egressPolicies: readonly string[];
}

/** One floating IP of an endpoint (Felix's NatInfo): traffic to `extIp` is DNATed to `intIp`, one of the endpoint's own addresses. */
export interface NatInfo {
  readonly extIp: IpAddress;
  readonly intIp: IpAddress;
}

export interface WorkloadEndpointIntent {
  /** `<host>/<orchestrator>/<workload>/<endpoint>`, as Felix keys WorkloadEndpoints. */
  readonly id: string;
  /** Host-side interface name (e.g. `cali1234abcd567`). */
  readonly interfaceName: string;
  readonly mac?: string;
  readonly ipv4Nets: readonly Cidr[];
  readonly ipv6Nets: readonly Cidr[];
  readonly tiers: readonly TierInfo[];
  readonly profileIds: readonly string[];
  readonly allowSpoofedSourcePrefixes: readonly Cidr[];
  /** The spec's `ipNATs`, split by the internal address's family, in spec order. */
  readonly ipv4Nat: readonly NatInfo[];
  readonly ipv6Nat: readonly NatInfo[];
}

export interface HostEndpointIntent {
  /** `<host>/<name>` */
  readonly id: string;
  /** Interface name, `*` for all host interfaces, or empty (matched by expected IPs). */
  readonly interfaceName: string;
  readonly expectedIpv4Addrs: readonly IpAddress[];
  readonly expectedIpv6Addrs: readonly IpAddress[];
  readonly tiers: readonly TierInfo[];
  readonly untrackedTiers: readonly TierInfo[];
  readonly preDnatTiers: readonly TierInfo[];
  readonly forwardTiers: readonly TierInfo[];
  readonly profileIds: readonly string[];
}

/** Felix configuration after merging global, per-host and built-in defaults; values as strings like Felix's config map. */
export type DataplaneConfig = Readonly<Record<string, string>>;

/**
 * One message to the dataplane. Within a flushed batch the calc graph orders
 * them so that dependencies exist first: config, IP sets and their members,
 * policies, profiles, endpoints; then endpoint, profile, policy and IP set removals.
 */
export type DataplaneUpdate =
  | { readonly type: 'config-update'; readonly config: DataplaneConfig }
  | { readonly type: 'ipset-update'; readonly id: IpSetId; readonly setType: IpSetType; readonly members: readonly IpSetMember[] }
  | { readonly type: 'ipset-delta'; readonly id: IpSetId; readonly added: readonly IpSetMember[]; readonly removed: readonly IpSetMember[] }
  | { readonly type: 'ipset-remove'; readonly id: IpSetId }
  | { readonly type: 'policy-update'; readonly id: PolicyId; readonly policy: ActivePolicy }
  | { readonly type: 'policy-remove'; readonly id: PolicyId }
  | { readonly type: 'profile-update'; readonly id: string; readonly profile: ActiveProfile }
  | { readonly type: 'profile-remove'; readonly id: string }
  | { readonly type: 'workload-endpoint-update'; readonly endpoint: WorkloadEndpointIntent }
  | { readonly type: 'workload-endpoint-remove'; readonly id: string }
  | { readonly type: 'host-endpoint-update'; readonly endpoint: HostEndpointIntent }
  | { readonly type: 'host-endpoint-remove'; readonly id: string }
  /** Everything the datastore held at `revision` is reflected in what came before. */
  | { readonly type: 'in-sync'; readonly revision: number };

const KIND_SHORT: Readonly<Record<PolicyId['kind'], string>> = {
  NetworkPolicy: 'np',
  GlobalNetworkPolicy: 'gnp',
  KubernetesNetworkPolicy: 'knp',
  StagedNetworkPolicy: 'snp',
  StagedGlobalNetworkPolicy: 'sgnp',
  StagedKubernetesNetworkPolicy: 'sknp',
};

/** Felix's policy ID string: `np/default/allow-dns`, `gnp/allow-all`. */
export function policyIdString(id: PolicyId): string {
  const short = KIND_SHORT[id.kind];
  return id.namespace === undefined ? `${short}/${id.name}` : `${short}/${id.namespace}/${id.name}`;
}
