// Terse builders for the resources and flows the policy tests are written in.
import { CALICO_API_VERSION, type Labels } from '../../src/api/meta.js';
import type {
  GlobalNetworkPolicy,
  GlobalNetworkPolicySpec,
  GlobalNetworkSet,
  HostEndpoint,
  HostEndpointSpec,
  NetworkPolicy,
  NetworkPolicySpec,
  NetworkSet,
  Profile,
  ProfileSpec,
  StagedGlobalNetworkPolicy,
  StagedNetworkPolicy,
  Tier,
  WorkloadEndpoint,
  WorkloadEndpointPort,
} from '../../src/api/policy-types.js';
import { namespaceProfile, podWorkloadEndpoint } from '../../src/policy/index.js';
import type { EndpointRef, Flow, FlowPeer } from '../../src/policy/index.js';

export function tier(name: string, order?: number, defaultAction?: 'Deny' | 'Pass'): Tier {
  return {
    apiVersion: CALICO_API_VERSION,
    kind: 'Tier',
    metadata: { name },
    spec: { ...(order !== undefined ? { order } : {}), ...(defaultAction ? { defaultAction } : {}) },
  };
}

export function gnp(name: string, spec: GlobalNetworkPolicySpec): GlobalNetworkPolicy {
  return { apiVersion: CALICO_API_VERSION, kind: 'GlobalNetworkPolicy', metadata: { name }, spec };
}

export function stagedGnp(name: string, spec: GlobalNetworkPolicySpec): StagedGlobalNetworkPolicy {
  return { apiVersion: CALICO_API_VERSION, kind: 'StagedGlobalNetworkPolicy', metadata: { name }, spec };
}

export function stagedNp(namespace: string, name: string, spec: NetworkPolicySpec): StagedNetworkPolicy {
  return { apiVersion: CALICO_API_VERSION, kind: 'StagedNetworkPolicy', metadata: { name, namespace }, spec };
}

export function np(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: CALICO_API_VERSION, kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

export function profile(name: string, spec: ProfileSpec): Profile {
  return { apiVersion: CALICO_API_VERSION, kind: 'Profile', metadata: { name }, spec };
}

export interface PodOptions {
  readonly node?: string;
  readonly serviceAccount?: string;
  readonly ports?: readonly WorkloadEndpointPort[];
}

/** A k8s pod's endpoint (profiles kns.<ns>[, ksa.<ns>.<sa>]). */
export function pod(ns: string, name: string, ip: string, labels: Labels = {}, opts: PodOptions = {}): WorkloadEndpoint {
  return podWorkloadEndpoint({ namespace: ns, name, ips: ip.split(','), labels, ...opts });
}

/** A non-k8s workload endpoint with explicit profiles (default: none). */
export function wep(ns: string, name: string, ip: string, labels: Labels = {}, profiles: readonly string[] = []): WorkloadEndpoint {
  return {
    apiVersion: CALICO_API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: { name, namespace: ns, labels },
    spec: { orchestrator: 'cni', node: 'node1', ipNetworks: [`${ip}/32`], profiles },
  };
}

export function hep(name: string, spec: HostEndpointSpec, labels: Labels = {}): HostEndpoint {
  return { apiVersion: CALICO_API_VERSION, kind: 'HostEndpoint', metadata: { name, labels }, spec };
}

export function netset(ns: string, name: string, nets: readonly string[], labels: Labels = {}): NetworkSet {
  return { apiVersion: CALICO_API_VERSION, kind: 'NetworkSet', metadata: { name, namespace: ns, labels }, spec: { nets } };
}

export function gns(name: string, nets: readonly string[], labels: Labels = {}): GlobalNetworkSet {
  return { apiVersion: CALICO_API_VERSION, kind: 'GlobalNetworkSet', metadata: { name, labels }, spec: { nets } };
}

export const nsProfile = namespaceProfile;

export function ep(ns: string, name: string): EndpointRef {
  return { kind: 'WorkloadEndpoint', namespace: ns, name };
}

export function hepRef(name: string): EndpointRef {
  return { kind: 'HostEndpoint', name };
}

/** `ns/name` for a workload, `hep:name` for a host endpoint, anything with a digit-dot for a bare IP. */
export function peer(text: string): FlowPeer {
  if (text.startsWith('hep:')) return { endpoint: hepRef(text.slice(4)) };
  if (/^[\d.]+$/.test(text) || text.includes(':')) return { ip: text };
  const [ns, name] = text.split('/');
  return { endpoint: ep(ns ?? '', name ?? '') };
}

export function tcp(src: string, dst: string, dstPort = 80, srcPort = 40000): Flow {
  return { source: peer(src), destination: peer(dst), protocol: 'TCP', srcPort, dstPort };
}

export function udp(src: string, dst: string, dstPort = 53, srcPort = 40000): Flow {
  return { source: peer(src), destination: peer(dst), protocol: 'UDP', srcPort, dstPort };
}

export function icmp(src: string, dst: string, type: number, code?: number): Flow {
  return { source: peer(src), destination: peer(dst), protocol: 'ICMP', icmp: { type, ...(code !== undefined ? { code } : {}) } };
}
