// The backend model the calc graph works on: what Calico's update processors
// make of projectcalico.org/v3 resources before Felix sees them (policy.md
// §5.1). Selectors are already rewritten (§1.8); actions and protocols are
// in their backend spelling. Everything here is immutable data.
import type { Labels } from '../api/meta.js';
import type { Cidr } from '../api/net.js';
import type { NatInfo, PolicyId, RuleAction } from './types.js';

/** A port in a rule: a numeric range, or a name resolved per endpoint through IP sets. */
export type ModelPort =
  | { readonly kind: 'range'; readonly first: number; readonly last: number }
  | { readonly kind: 'named'; readonly name: string };

/** The protocol a named port is looked up with: the rule's protocol, or any. */
export type NamedPortProtocol = 'tcp' | 'udp' | 'sctp' | 'any';

export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

export interface ModelIcmp {
  readonly type: number;
  readonly code?: number;
}

/** model.Rule: one rule with selectors already namespaced and prefixed. "" = no selector. */
export interface ModelRule {
  readonly action: RuleAction;
  readonly ipVersion?: 4 | 6;
  readonly protocol?: number;
  readonly notProtocol?: number;
  readonly namedPortProtocol: NamedPortProtocol;
  readonly icmp?: ModelIcmp;
  readonly notIcmp?: ModelIcmp;
  readonly srcNets: readonly Cidr[];
  readonly notSrcNets: readonly Cidr[];
  readonly dstNets: readonly Cidr[];
  readonly notDstNets: readonly Cidr[];
  readonly srcPorts: readonly ModelPort[];
  readonly notSrcPorts: readonly ModelPort[];
  readonly dstPorts: readonly ModelPort[];
  readonly notDstPorts: readonly ModelPort[];
  readonly srcSelector: string;
  readonly notSrcSelector: string;
  readonly dstSelector: string;
  readonly notDstSelector: string;
  readonly srcService?: ServiceRef;
  readonly dstService?: ServiceRef;
}

/** model.Policy, keyed by PolicyId. */
export interface ModelPolicy {
  readonly id: PolicyId;
  readonly tier: string;
  /** Undefined sorts as +∞. */
  readonly order?: number;
  readonly selector: string;
  readonly inboundRules: readonly ModelRule[];
  readonly outboundRules: readonly ModelRule[];
  /** Which directions the policy governs; Felix reads an empty list as both. */
  readonly ingress: boolean;
  readonly egress: boolean;
  readonly untracked: boolean;
  readonly preDNAT: boolean;
  readonly applyOnForward: boolean;
  /** The AssumeNeededOnEveryNode hint: active even with no local endpoint. */
  readonly assumeNeededOnEveryNode: boolean;
}

export interface ModelTier {
  readonly name: string;
  readonly order?: number;
  readonly defaultAction: 'deny' | 'pass';
}

export interface ModelProfile {
  readonly name: string;
  readonly inboundRules: readonly ModelRule[];
  readonly outboundRules: readonly ModelRule[];
  /** labelsToApply: what endpoints referencing the profile inherit. */
  readonly labels: Labels;
}

export interface ModelEndpointPort {
  readonly name: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly port: number;
}

/** What WEPs, HEPs and network sets share for selector matching and IP set membership. */
export interface LabelledThing {
  /** Own labels, with Calico's injected labels and without spoofable pcns./pcsa. ones. */
  readonly labels: Labels;
  /** Profile (parent) IDs, in inheritance order. */
  readonly profileIds: readonly string[];
  /** /32 and /128 for endpoints; any CIDR for network sets (/0 already split). */
  readonly nets: readonly Cidr[];
  readonly ports: readonly ModelEndpointPort[];
}

export interface ModelWorkloadEndpoint extends LabelledThing {
  readonly kind: 'wep';
  readonly hostname: string;
  /** `<host>/<orchestrator>/<workload>/<endpoint>` */
  readonly felixId: string;
  readonly interfaceName: string;
  readonly mac?: string;
  readonly ipv4Nets: readonly Cidr[];
  readonly ipv6Nets: readonly Cidr[];
  readonly allowSpoofedSourcePrefixes: readonly Cidr[];
  readonly ipv4Nat: readonly NatInfo[];
  readonly ipv6Nat: readonly NatInfo[];
}

export interface ModelHostEndpoint extends LabelledThing {
  readonly kind: 'hep';
  readonly hostname: string;
  /** `<host>/<name>` */
  readonly felixId: string;
  readonly interfaceName: string;
  readonly expectedIpv4Addrs: readonly string[];
  readonly expectedIpv6Addrs: readonly string[];
}

export interface ModelNetworkSet extends LabelledThing {
  readonly kind: 'netset';
}

export type ModelEndpoint = ModelWorkloadEndpoint | ModelHostEndpoint;
export type ModelLabelled = ModelEndpoint | ModelNetworkSet;

/** One backend-model change; `value: undefined` is a deletion (or an invalid resource). */
export type ModelUpdate =
  | { readonly kind: 'policy'; readonly key: string; readonly value: ModelPolicy | undefined }
  | { readonly kind: 'tier'; readonly key: string; readonly value: ModelTier | undefined }
  | { readonly kind: 'profile'; readonly key: string; readonly value: ModelProfile | undefined }
  | { readonly kind: 'endpoint'; readonly key: string; readonly value: ModelEndpoint | undefined }
  | { readonly kind: 'netset'; readonly key: string; readonly value: ModelNetworkSet | undefined }
  | { readonly kind: 'felix-config'; readonly key: string; readonly value: Readonly<Record<string, unknown>> | undefined }
  | { readonly kind: 'ignored'; readonly key: string };

export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';
export const NAMESPACE_LABEL_PREFIX = 'pcns.';
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';
