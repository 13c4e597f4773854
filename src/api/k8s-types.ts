// Kubernetes networking.k8s.io/v1 NetworkPolicy, the subset of its schema
// that matters for enforcement, with Kubernetes' field names.
import type { K8S_NETWORKING_API_VERSION, ResourceOf } from './meta.js';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface IPBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

export interface K8sNetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IPBlock;
}

export interface K8sNetworkPolicyPort {
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface K8sIngressRule {
  readonly from?: readonly K8sNetworkPolicyPeer[];
  readonly ports?: readonly K8sNetworkPolicyPort[];
}

export interface K8sEgressRule {
  readonly to?: readonly K8sNetworkPolicyPeer[];
  readonly ports?: readonly K8sNetworkPolicyPort[];
}

export interface K8sNetworkPolicySpec {
  readonly podSelector: LabelSelector;
  readonly ingress?: readonly K8sIngressRule[];
  readonly egress?: readonly K8sEgressRule[];
  readonly policyTypes?: readonly ('Ingress' | 'Egress')[];
}

/** kind `NetworkPolicy` in apiVersion networking.k8s.io/v1. */
export type KubernetesNetworkPolicy = ResourceOf<
  'NetworkPolicy',
  K8sNetworkPolicySpec,
  typeof K8S_NETWORKING_API_VERSION
>;

export interface StagedKubernetesNetworkPolicySpec extends Partial<K8sNetworkPolicySpec> {
  readonly stagedAction?: 'Set' | 'Delete' | 'Learn' | 'Ignore';
}

/** projectcalico.org/v3 StagedKubernetesNetworkPolicy: a k8s policy spec evaluated but not enforced. */
export type StagedKubernetesNetworkPolicy = ResourceOf<'StagedKubernetesNetworkPolicy', StagedKubernetesNetworkPolicySpec>;
