// Kubernetes-shaped inputs for the model: k8s NetworkPolicies go through the
// API's converter, and Namespaces, ServiceAccounts and Pods become the
// profiles and workload endpoints Calico synthesises for them (policy.md §2.12).
import { fieldError } from '../api/errors.js';
import { convertKubernetesNetworkPolicy, convertStagedKubernetesNetworkPolicy } from '../api/k8s-convert.js';
import type { KubernetesNetworkPolicy, StagedKubernetesNetworkPolicy } from '../api/k8s-types.js';
import { CALICO_API_VERSION, type Labels } from '../api/meta.js';
import type {
  NetworkPolicy,
  NetworkPolicySpec,
  Profile,
  StagedNetworkPolicy,
  WorkloadEndpoint,
  WorkloadEndpointPort,
} from '../api/policy-types.js';
import { NAMESPACE_LABEL_PREFIX, SERVICE_ACCOUNT_LABEL_PREFIX } from './labels.js';
import type { ModelWarning, PolicyId } from './types.js';

export interface ConvertedK8sPolicy {
  readonly id: PolicyId;
  readonly spec: NetworkPolicySpec | null;
  readonly staged: boolean;
  readonly warnings: readonly ModelWarning[];
}

function warningText(w: unknown): string {
  if (typeof w === 'string') return w;
  if (typeof w === 'object' && w !== null && 'message' in w && typeof w.message === 'string') {
    return 'path' in w && typeof w.path === 'string' && w.path !== '' ? `${w.path}: ${w.message}` : w.message;
  }
  return String(w);
}

type Converted = { readonly policy: NetworkPolicy | StagedNetworkPolicy; readonly warnings: readonly unknown[]; readonly ruleErrors?: readonly unknown[] };

/**
 * Keyed as Felix keys a policy it reads from the Kubernetes API (KDD mode, as
 * the calc graph does): kind KubernetesNetworkPolicy with the k8s name, not
 * the converter's `knp.default.<name>` — the key is the ordering tie-break
 * (policy_sorter.go PolKVLess). Rules the converter had to drop are reported
 * with its warnings.
 */
export function toCalicoPolicies(np: KubernetesNetworkPolicy | StagedKubernetesNetworkPolicy): ConvertedK8sPolicy {
  const staged = np.kind === 'StagedKubernetesNetworkPolicy';
  const ns = np.metadata.namespace ?? 'default';
  const resource = `${staged ? 'StagedKubernetesNetworkPolicy' : 'KubernetesNetworkPolicy'}(${ns}/${np.metadata.name})`;
  try {
    const converted: Converted = staged ? convertStagedKubernetesNetworkPolicy(np) : convertKubernetesNetworkPolicy(np);
    const { policy } = converted;
    // The converter may name a dropped rule both as a warning and as a rule error.
    const notes = new Set([...converted.warnings, ...(converted.ruleErrors ?? [])].map(warningText));
    return {
      id: { kind: 'KubernetesNetworkPolicy', namespace: policy.metadata.namespace ?? ns, name: np.metadata.name },
      spec: policy.spec,
      staged,
      warnings: [...notes].map((text) => ({ ...fieldError('invalid-value', '', text), resource })),
    };
  } catch (err) {
    return {
      id: { kind: 'KubernetesNetworkPolicy', namespace: ns, name: np.metadata.name },
      spec: null,
      staged,
      warnings: [{ ...fieldError('invalid-value', '', err instanceof Error ? err.message : String(err)), resource }],
    };
  }
}

/** Profile `kns.<ns>`: allow-all both ways, namespace labels as `pcns.*`. */
export function namespaceProfile(namespace: string, labels: Labels = {}): Profile {
  const labelsToApply: Record<string, string> = { [`${NAMESPACE_LABEL_PREFIX}projectcalico.org/name`]: namespace };
  for (const [k, v] of Object.entries(labels)) labelsToApply[`${NAMESPACE_LABEL_PREFIX}${k}`] = v;
  return {
    apiVersion: CALICO_API_VERSION,
    kind: 'Profile',
    metadata: { name: `kns.${namespace}` },
    spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply },
  };
}

/** Profile `ksa.<ns>.<sa>`: no rules, service account labels as `pcsa.*`. */
export function serviceAccountProfile(namespace: string, serviceAccount: string, labels: Labels = {}): Profile {
  const labelsToApply: Record<string, string> = {
    [`${SERVICE_ACCOUNT_LABEL_PREFIX}projectcalico.org/name`]: serviceAccount,
  };
  for (const [k, v] of Object.entries(labels)) labelsToApply[`${SERVICE_ACCOUNT_LABEL_PREFIX}${k}`] = v;
  return {
    apiVersion: CALICO_API_VERSION,
    kind: 'Profile',
    metadata: { name: `ksa.${namespace}.${serviceAccount}` },
    spec: { labelsToApply },
  };
}

export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Labels;
  readonly ips: readonly string[];
  readonly node?: string;
  readonly serviceAccount?: string;
  readonly ports?: readonly WorkloadEndpointPort[];
}

/** The workload endpoint Calico derives from a pod: orchestrator k8s, profiles kns/ksa. */
export function podWorkloadEndpoint(pod: PodSpec): WorkloadEndpoint {
  const node = pod.node ?? 'node1';
  const profiles = [`kns.${pod.namespace}`];
  if (pod.serviceAccount !== undefined) profiles.push(`ksa.${pod.namespace}.${pod.serviceAccount}`);
  return {
    apiVersion: CALICO_API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: { name: pod.name, namespace: pod.namespace, ...(pod.labels ? { labels: pod.labels } : {}) },
    spec: {
      orchestrator: 'k8s',
      node,
      pod: pod.name,
      endpoint: 'eth0',
      ipNetworks: pod.ips.map((ip) => (ip.includes('/') ? ip : ip.includes(':') ? `${ip}/128` : `${ip}/32`)),
      profiles,
      ...(pod.serviceAccount !== undefined ? { serviceAccountName: pod.serviceAccount } : {}),
      ...(pod.ports !== undefined ? { ports: pod.ports } : {}),
    },
  };
}
