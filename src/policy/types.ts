// The vocabulary of the reference policy model: what goes in (resources and a
// flow) and what comes out (a verdict per direction with the reason for it).
import type { FieldError } from '../api/errors.js';
import type { IpFamily } from '../api/net.js';
import type { Node } from '../api/infra-types.js';
import type {
  GlobalNetworkPolicy,
  GlobalNetworkSet,
  HostEndpoint,
  NetworkPolicy,
  NetworkSet,
  Profile,
  Protocol,
  StagedGlobalNetworkPolicy,
  StagedNetworkPolicy,
  Tier,
  WorkloadEndpoint,
} from '../api/policy-types.js';
import type { KubernetesNetworkPolicy, StagedKubernetesNetworkPolicy } from '../api/k8s-types.js';

/** Every resource kind the model reads. Other kinds are reported and skipped. */
export type PolicyResource =
  | Tier
  | NetworkPolicy
  | GlobalNetworkPolicy
  | StagedNetworkPolicy
  | StagedGlobalNetworkPolicy
  | KubernetesNetworkPolicy
  | StagedKubernetesNetworkPolicy
  | Profile
  | NetworkSet
  | GlobalNetworkSet
  | WorkloadEndpoint
  | HostEndpoint
  /** Read for its addresses only: a workload's packets to its own node's address are host traffic. */
  | Node;

export type Direction = 'ingress' | 'egress';

/** Policy identity as Felix keys it (model.PolicyKey); `namespace` is "" for global kinds. */
export interface PolicyId {
  readonly kind: 'NetworkPolicy' | 'GlobalNetworkPolicy' | 'KubernetesNetworkPolicy';
  readonly namespace: string;
  readonly name: string;
}

export type EndpointRef =
  | { readonly kind: 'WorkloadEndpoint'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'HostEndpoint'; readonly name: string };

/** One side of a flow: a Calico endpoint (optionally pinning which of its IPs), or a bare IP. */
export type FlowPeer =
  | { readonly endpoint: EndpointRef; readonly ip?: string }
  | { readonly ip: string };

export interface Flow {
  readonly source: FlowPeer;
  readonly destination: FlowPeer;
  /** Name (case-insensitive: TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite) or number 0–255. */
  readonly protocol: Protocol | string;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmp?: { readonly type: number; readonly code?: number };
  /**
   * Host endpoints the packet is routed through (names), for traffic that
   * enters or leaves a host on a host endpoint's interface without being
   * addressed to the host itself: their untracked, preDNAT and forward
   * (applyOnForward) policies apply.
   */
  readonly via?: { readonly from?: string; readonly to?: string };
}

/** The packet a flow resolves to: family-consistent addresses and a protocol number. */
export interface Packet {
  readonly family: IpFamily;
  readonly srcIp: string;
  readonly dstIp: string;
  readonly protocol: number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

export type NotPolicedReason =
  /** The IP belongs to no workload or host endpoint: Calico polices nothing there. */
  | 'not-a-calico-endpoint'
  /** Host-originated traffic to a workload on the same host bypasses the workload's ingress policy. */
  | 'host-to-local-workload'
  /** Host-originated traffic to a local workload interface leaves the host unpoliced. */
  | 'host-egress-to-local-workload'
  /** An endpoint talking to its own address: the packet never leaves its network namespace. */
  | 'same-endpoint';

/**
 * Which set of tiers a policy runs in: `normal` (filter table) for every
 * endpoint; host endpoints also have `untracked` (doNotTrack, raw table, before
 * conntrack) and `pre-dnat` (mangle PREROUTING, ingress only) tiers, which run
 * first and end in Pass rather than a drop, and `forward` tiers (applyOnForward
 * policies) for traffic routed through the host.
 */
export type PolicyStage = 'normal' | 'untracked' | 'pre-dnat' | 'forward';

/** A compiled Felix failsafe entry (FailsafeInboundHostPorts / FailsafeOutboundHostPorts). */
export interface FailsafePort {
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** Only packets whose peer is in this net (source inbound, destination outbound). */
  readonly net?: { contains(ip: { readonly family: 4 | 6; readonly value: bigint }): boolean };
  /** As written in Felix configuration, e.g. `tcp:22`. */
  readonly text: string;
}

/** What decided one direction. */
export type Decision =
  | {
      readonly by: 'rule';
      readonly tier: string;
      readonly policy: PolicyId;
      readonly ruleIndex: number;
      readonly action: 'Allow' | 'Deny';
      /** Set for the host-endpoint-only untracked and preDNAT tiers. */
      readonly stage?: PolicyStage;
    }
  /** Host endpoint traffic on a failsafe port: allowed before any policy. */
  | { readonly by: 'failsafe'; readonly direction: Direction; readonly entry: string }
  | { readonly by: 'end-of-tier'; readonly tier: string }
  | { readonly by: 'profile-rule'; readonly profile: string; readonly ruleIndex: number; readonly action: 'Allow' | 'Deny' }
  /** A referenced profile that does not exist acts as deny-all (Felix's placeholder). */
  | { readonly by: 'missing-profile'; readonly profile: string }
  /** No tier decided and no profile allowed: the endpoint's final drop. */
  | { readonly by: 'no-profile-allowed'; readonly profiles: readonly string[] }
  | { readonly by: 'not-policed'; readonly reason: NotPolicedReason }
  /**
   * Forwarded through a host endpoint and not dropped there: it has no
   * applyOnForward policy at all (allowed by default), or its forward tiers
   * passed the packet on.
   */
  | { readonly by: 'forward-allowed'; readonly reason: 'no-forward-policy' | 'passed-through' }
  /** Workload to its own host: workload egress allowed it, then Felix's DefaultEndpointToHostAction. */
  | { readonly by: 'endpoint-to-host-action'; readonly action: EndpointToHostAction };

/** Steps that did not end evaluation but explain how it went. */
export type TraceStep =
  | { readonly step: 'log'; readonly tier: string; readonly policy: PolicyId; readonly ruleIndex: number }
  | { readonly step: 'pass'; readonly tier: string; readonly policy: PolicyId; readonly ruleIndex: number }
  | { readonly step: 'no-rule-matched'; readonly tier: string; readonly policy: PolicyId }
  | { readonly step: 'tier-default-pass'; readonly tier: string }
  | { readonly step: 'profile-log'; readonly profile: string; readonly ruleIndex: number }
  | { readonly step: 'profile-pass'; readonly profile: string; readonly ruleIndex: number }
  | { readonly step: 'profile-no-rule-matched'; readonly profile: string };

export type Action = 'allow' | 'deny';

export interface DirectionVerdict {
  readonly direction: Direction;
  /** The endpoint whose policy was consulted; null when the peer is not a Calico endpoint. */
  readonly endpoint: EndpointRef | null;
  readonly action: Action;
  readonly decision: Decision;
  readonly trace: readonly TraceStep[];
}

export interface Verdict {
  /** allow only if egress at the source and ingress at the destination both allow. */
  readonly action: Action;
  readonly packet: Packet;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  /** Present when the flow names host endpoints it is forwarded through (Flow.via). */
  readonly forward?: { readonly from?: DirectionVerdict; readonly to?: DirectionVerdict };
}

/** Felix's DefaultEndpointToHostAction; Felix defaults to Drop, most installers set Accept. */
export type EndpointToHostAction = 'Drop' | 'Accept' | 'Return';

export interface PolicyModelOptions {
  /**
   * Applied to workload traffic to its own host, after the workload's egress policy (Felix
   * config). 'Return' hands the packet back to the host's own INPUT rules, which Calico does not
   * police, so the model counts it as allowed. Host endpoint ingress policy never applies to it.
   */
  readonly defaultEndpointToHostAction?: EndpointToHostAction;
  /** Felix FailsafeInboundHostPorts, e.g. `tcp:22`, `udp:10.0.0.0/8:68`; default Felix's list. */
  readonly failsafeInboundHostPorts?: readonly string[];
  /** Felix FailsafeOutboundHostPorts; default Felix's list. */
  readonly failsafeOutboundHostPorts?: readonly string[];
}

/** A resource the model could not use, and why (Felix treats invalid resources as absent). */
export interface ModelWarning extends FieldError {
  readonly resource: string;
}
