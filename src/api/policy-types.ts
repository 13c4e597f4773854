// Types of Calico's policy resources (projectcalico.org/v3), as users write
// them. Validation (validate-*.ts) guarantees these shapes; defaults are
// applied by defaults.ts. Field names follow Calico's JSON exactly.
import type { ResourceOf } from './meta.js';

export type Action = 'Allow' | 'Deny' | 'Log' | 'Pass';
export type PolicyType = 'Ingress' | 'Egress';
export type ProtocolName = 'TCP' | 'UDP' | 'ICMP' | 'ICMPv6' | 'SCTP' | 'UDPLite';
/** A protocol by name or by number 1–255. */
export type Protocol = ProtocolName | number;
/** A port: a number, a range `"a:b"`, or a named port. */
export type Port = number | string;

export interface ICMPFields {
  readonly type?: number;
  readonly code?: number;
}

export interface ServiceAccountMatch {
  readonly names?: readonly string[];
  readonly selector?: string;
}

export interface ServiceMatch {
  readonly name: string;
  readonly namespace?: string;
}

export interface EntityRule {
  readonly nets?: readonly string[];
  readonly notNets?: readonly string[];
  readonly selector?: string;
  readonly notSelector?: string;
  readonly namespaceSelector?: string;
  readonly serviceAccounts?: ServiceAccountMatch;
  readonly services?: ServiceMatch;
  readonly ports?: readonly Port[];
  readonly notPorts?: readonly Port[];
}

export interface HTTPPath {
  readonly exact?: string;
  readonly prefix?: string;
}

export interface HTTPMatch {
  readonly methods?: readonly string[];
  readonly paths?: readonly HTTPPath[];
}

export interface RuleMetadata {
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface Rule {
  readonly action: Action;
  readonly ipVersion?: 4 | 6;
  readonly protocol?: Protocol;
  readonly notProtocol?: Protocol;
  readonly icmp?: ICMPFields;
  readonly notICMP?: ICMPFields;
  readonly source?: EntityRule;
  readonly destination?: EntityRule;
  readonly http?: HTTPMatch;
  readonly metadata?: RuleMetadata;
}

export type PerformanceHint = 'AssumeNeededOnEveryNode';
export type StagedAction = 'Set' | 'Delete' | 'Learn' | 'Ignore';

export interface NetworkPolicySpec {
  readonly tier?: string;
  readonly order?: number;
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
  readonly selector?: string;
  readonly types?: readonly PolicyType[];
  readonly serviceAccountSelector?: string;
  readonly performanceHints?: readonly PerformanceHint[];
}

export interface GlobalNetworkPolicySpec extends NetworkPolicySpec {
  readonly namespaceSelector?: string;
  readonly doNotTrack?: boolean;
  readonly preDNAT?: boolean;
  readonly applyOnForward?: boolean;
}

export interface StagedNetworkPolicySpec extends NetworkPolicySpec {
  readonly stagedAction?: StagedAction;
}

export interface StagedGlobalNetworkPolicySpec extends GlobalNetworkPolicySpec {
  readonly stagedAction?: StagedAction;
}

export interface TierSpec {
  readonly order?: number;
  readonly defaultAction?: 'Deny' | 'Pass';
}

export interface NetworkSetSpec {
  readonly nets?: readonly string[];
}

export interface EndpointPort {
  readonly name: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
}

export interface WorkloadEndpointPort extends EndpointPort {
  readonly hostPort?: number;
  readonly hostIP?: string;
}

export interface HostEndpointSpec {
  readonly node?: string;
  readonly interfaceName?: string;
  readonly expectedIPs?: readonly string[];
  readonly profiles?: readonly string[];
  readonly ports?: readonly EndpointPort[];
}

export interface IPNAT {
  readonly internalIP: string;
  readonly externalIP: string;
}

export interface WorkloadEndpointSpec {
  readonly orchestrator?: string;
  readonly workload?: string;
  readonly node?: string;
  readonly containerID?: string;
  readonly pod?: string;
  readonly endpoint?: string;
  readonly serviceAccountName?: string;
  readonly ipNetworks?: readonly string[];
  readonly ipNATs?: readonly IPNAT[];
  readonly ipv4Gateway?: string;
  readonly ipv6Gateway?: string;
  readonly profiles?: readonly string[];
  readonly interfaceName?: string;
  readonly mac?: string;
  readonly ports?: readonly WorkloadEndpointPort[];
  readonly allowSpoofedSourcePrefixes?: readonly string[];
  readonly qosControls?: QoSControls;
}

/** Bandwidth, packet-rate and connection limits of a workload (bits/s, bits, packets/s, connections). */
export interface QoSControls {
  readonly ingressBandwidth?: number;
  readonly ingressBurst?: number;
  readonly ingressPeakrate?: number;
  readonly ingressMinburst?: number;
  readonly egressBandwidth?: number;
  readonly egressBurst?: number;
  readonly egressPeakrate?: number;
  readonly egressMinburst?: number;
  readonly ingressPacketRate?: number;
  readonly ingressPacketBurst?: number;
  readonly egressPacketRate?: number;
  readonly egressPacketBurst?: number;
  readonly ingressMaxConnections?: number;
  readonly egressMaxConnections?: number;
  /** DSCP value: a number 0–63 or a name such as `AF11`. */
  readonly dscp?: number | string;
}

export interface ProfileSpec {
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
  readonly labelsToApply?: Readonly<Record<string, string>>;
}

export type NetworkPolicy = ResourceOf<'NetworkPolicy', NetworkPolicySpec>;
export type GlobalNetworkPolicy = ResourceOf<'GlobalNetworkPolicy', GlobalNetworkPolicySpec>;
export type StagedNetworkPolicy = ResourceOf<'StagedNetworkPolicy', StagedNetworkPolicySpec>;
export type StagedGlobalNetworkPolicy = ResourceOf<'StagedGlobalNetworkPolicy', StagedGlobalNetworkPolicySpec>;
/** A metav1.Condition, as a tier's status reports readiness. */
export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface TierStatus {
  readonly conditions?: readonly Condition[];
}

export type Tier = ResourceOf<'Tier', TierSpec> & { readonly status?: TierStatus };
export type NetworkSet = ResourceOf<'NetworkSet', NetworkSetSpec>;
export type GlobalNetworkSet = ResourceOf<'GlobalNetworkSet', NetworkSetSpec>;
export type HostEndpoint = ResourceOf<'HostEndpoint', HostEndpointSpec>;
export type WorkloadEndpoint = ResourceOf<'WorkloadEndpoint', WorkloadEndpointSpec>;
export type Profile = ResourceOf<'Profile', ProfileSpec>;
