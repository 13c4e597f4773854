// The registry of every resource kind: found by a document's (apiVersion,
// kind), or by the name a user types on calicoctl's command line.
import type { KindDefinition } from './kind.js';
import { CALICO_API_VERSION, K8S_NETWORKING_API_VERSION } from './meta.js';
import { bgpConfigurationKind } from './kinds/bgp-configuration.js';
import { bgpFilterKind } from './kinds/bgp-filter.js';
import { bgpPeerKind } from './kinds/bgp-peer.js';
import { calicoNodeStatusKind } from './kinds/calico-node-status.js';
import { clusterInformationKind } from './kinds/cluster-information.js';
import { felixConfigurationKind } from './kinds/felix-configuration.js';
import { globalNetworkPolicyKind } from './kinds/global-network-policy.js';
import { globalNetworkSetKind } from './kinds/global-network-set.js';
import { hostEndpointKind } from './kinds/host-endpoint.js';
import { ipamConfigurationKind } from './kinds/ipam-configuration.js';
import { ipPoolKind } from './kinds/ip-pool.js';
import { ipReservationKind } from './kinds/ip-reservation.js';
import { kubeControllersConfigurationKind } from './kinds/kube-controllers-configuration.js';
import { kubernetesNetworkPolicyKind } from './kinds/kubernetes-network-policy.js';
import { networkPolicyKind } from './kinds/network-policy.js';
import { networkSetKind } from './kinds/network-set.js';
import { nodeKind } from './kinds/node.js';
import { profileKind } from './kinds/profile.js';
import { stagedGlobalNetworkPolicyKind } from './kinds/staged-global-network-policy.js';
import { stagedKubernetesNetworkPolicyKind } from './kinds/staged-kubernetes-network-policy.js';
import { stagedNetworkPolicyKind } from './kinds/staged-network-policy.js';
import { tierKind } from './kinds/tier.js';
import { workloadEndpointKind } from './kinds/workload-endpoint.js';

/** In calicoctl's order of registration, Calico kinds before Kubernetes ones. */
const KINDS: readonly KindDefinition[] = [
  bgpConfigurationKind,
  bgpFilterKind,
  bgpPeerKind,
  calicoNodeStatusKind,
  clusterInformationKind,
  felixConfigurationKind,
  globalNetworkPolicyKind,
  globalNetworkSetKind,
  hostEndpointKind,
  ipamConfigurationKind,
  ipPoolKind,
  ipReservationKind,
  kubeControllersConfigurationKind,
  networkPolicyKind,
  networkSetKind,
  nodeKind,
  profileKind,
  stagedGlobalNetworkPolicyKind,
  stagedKubernetesNetworkPolicyKind,
  stagedNetworkPolicyKind,
  tierKind,
  workloadEndpointKind,
  kubernetesNetworkPolicyKind,
];

/**
 * calicoctl has no command-line names for Kubernetes NetworkPolicy; these
 * follow the backend's own short name (`knp`) and kubectl's `<plural>.<group>`.
 */
const EXTRA_NAMES: Readonly<Record<string, readonly string[]>> = {
  [`${K8S_NETWORKING_API_VERSION}/NetworkPolicy`]: [
    'kubernetesnetworkpolicy',
    'kubernetesnetworkpolicies',
    'knp',
    'knps',
  ],
};

export function allKinds(): readonly KindDefinition[] {
  return KINDS;
}

/** The kind a document names; apiVersion tells Calico's NetworkPolicy from Kubernetes'. */
export function kindFor(apiVersion: string, kind: string): KindDefinition | undefined {
  return KINDS.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}

/** Every name calicoctl accepts for a kind on its command line, lower case. */
export function kindNames(def: KindDefinition): readonly string[] {
  const names = new Set<string>([def.plural, ...def.aliases.map((a) => a.toLowerCase())]);
  if (def.apiVersion === CALICO_API_VERSION) names.add(def.kind.toLowerCase());
  for (const n of EXTRA_NAMES[`${def.apiVersion}/${def.kind}`] ?? []) names.add(n);
  return [...names];
}

function groupOf(apiVersion: string): { readonly group: string; readonly version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * The kind a command-line name means, case-insensitively: plural, singular,
 * short names (`gnp`, `ippools`, `ipp`), or kubectl's qualified forms
 * `<name>.<group>` and `<name>.<version>.<group>` (`networkpolicies.networking.k8s.io`).
 * A bare `networkpolicy` is Calico's.
 */
export function kindByName(name: string): KindDefinition | undefined {
  const n = name.toLowerCase();
  const direct = KINDS.find((k) => kindNames(k).includes(n));
  if (direct !== undefined) return direct;
  for (const k of KINDS) {
    const { group, version } = groupOf(k.apiVersion);
    for (const base of [k.plural, k.kind.toLowerCase(), ...k.aliases]) {
      if (n === `${base}.${group}` || n === `${base}.${version}.${group}`) return k;
    }
  }
  return undefined;
}

/** The kind names calicoctl lists in "resource type not supported" help. */
export function kindNameList(): readonly string[] {
  return KINDS.map((k) => k.kind);
}
