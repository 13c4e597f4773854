// The update processors and Felix's ValidationFilter in one step: a stored
// projectcalico.org/v3 (or networking.k8s.io/v1) resource becomes a backend
// model update. Invalid resources are passed on as deletions, as Felix does.
import type { FieldError } from '../api/errors.js';
import type { KindDefinition } from '../api/kind.js';
import { K8S_NETWORKING_API_VERSION, type Labels } from '../api/meta.js';
import { canonicalCidr, canonicalIp, parseCidr, type Cidr } from '../api/net.js';
import type {
  GlobalNetworkPolicy,
  GlobalNetworkSet,
  HostEndpoint,
  IPNAT,
  NetworkPolicy,
  NetworkSet,
  Profile,
  Tier,
  WorkloadEndpoint,
} from '../api/policy-types.js';
import type { KubernetesNetworkPolicy } from '../api/k8s-types.js';
import { convertKubernetesNetworkPolicy } from '../api/k8s-convert.js';
import { felixConfigurationKind } from '../api/kinds/felix-configuration.js';
import { globalNetworkPolicyKind } from '../api/kinds/global-network-policy.js';
import { globalNetworkSetKind } from '../api/kinds/global-network-set.js';
import { hostEndpointKind } from '../api/kinds/host-endpoint.js';
import { kubernetesNetworkPolicyKind } from '../api/kinds/kubernetes-network-policy.js';
import { networkPolicyKind } from '../api/kinds/network-policy.js';
import { networkSetKind } from '../api/kinds/network-set.js';
import { profileKind } from '../api/kinds/profile.js';
import { tierKind } from '../api/kinds/tier.js';
import { workloadEndpointKind } from '../api/kinds/workload-endpoint.js';
import type { ResourceKey, StoredResource } from '../datastore/types.js';
import { convertRules, globalPolicySelector, namespacedPolicySelector } from './convert-rules.js';
import {
  LABEL_NAMESPACE,
  LABEL_ORCHESTRATOR,
  LABEL_SERVICE_ACCOUNT,
  NAMESPACE_LABEL_PREFIX,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  type ModelEndpointPort,
  type ModelPolicy,
  type ModelUpdate,
} from './model.js';
import type { NatInfo, PolicyId } from './types.js';

export const KUBERNETES_NETWORK_POLICY = 'KubernetesNetworkPolicy';

/** The graph's key for a datastore object: `<kind>/<namespace>/<name>`. */
export function storeKey(key: ResourceKey): string {
  return `${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

function storeKindOf(r: StoredResource): string {
  return r.kind === 'NetworkPolicy' && r.apiVersion === K8S_NETWORKING_API_VERSION ? KUBERNETES_NETWORK_POLICY : r.kind;
}

export function resourceKeyOf(r: StoredResource): ResourceKey {
  const kind = storeKindOf(r);
  return r.metadata.namespace === undefined ? { kind, name: r.metadata.name } : { kind, namespace: r.metadata.namespace, name: r.metadata.name };
}

type ModelKind = ModelUpdate['kind'];

const MODEL_KIND: Readonly<Record<string, ModelKind>> = {
  NetworkPolicy: 'policy',
  GlobalNetworkPolicy: 'policy',
  [KUBERNETES_NETWORK_POLICY]: 'policy',
  Tier: 'tier',
  Profile: 'profile',
  WorkloadEndpoint: 'endpoint',
  HostEndpoint: 'endpoint',
  NetworkSet: 'netset',
  GlobalNetworkSet: 'netset',
  FelixConfiguration: 'felix-config',
};

/** The datastore kinds the calc graph reads: what the agent should list and watch. */
export const CALC_KINDS: readonly string[] = Object.keys(MODEL_KIND);

/** The deletion of whatever `key` named (staged policies and other kinds are ignored). */
export function deletionOf(key: ResourceKey): ModelUpdate {
  const kind = MODEL_KIND[key.kind] ?? 'ignored';
  const k = kind === 'felix-config' ? key.name : storeKey(key);
  return kind === 'ignored' ? { kind, key: k } : { kind, key: k, value: undefined };
}

export interface ConvertOptions {
  /** Run each kind's validation first (Felix's ValidationFilter); off only for trusted synthetic input. */
  readonly validate: boolean;
  /** Told about every resource that fails validation (it is then treated as deleted). */
  readonly onInvalid?: (resource: StoredResource, errors: readonly FieldError[]) => void;
}

/** ValidationFilter + applyDefaults: the valid, defaulted resource, or undefined. */
function admit<R extends StoredResource>(def: KindDefinition<R>, r: StoredResource, opts: ConvertOptions): R | undefined {
  if (!opts.validate) return def.applyDefaults(r as R);
  const res = def.validate(r);
  if (res.ok) return def.applyDefaults(res.value);
  opts.onInvalid?.(r, res.errors);
  return undefined;
}

/** One stored resource (added or modified) as a backend model update. */
export function convertResource(r: StoredResource, opts: ConvertOptions): ModelUpdate {
  const key = storeKey(resourceKeyOf(r));
  const v = opts;
  switch (storeKindOf(r)) {
    case 'NetworkPolicy': {
      const np = admit(networkPolicyKind, r, v);
      return { kind: 'policy', key, value: np && networkPolicy(np, 'NetworkPolicy', np.metadata.name) };
    }
    case KUBERNETES_NETWORK_POLICY: {
      const k8s = admit(kubernetesNetworkPolicyKind, { ...r, apiVersion: K8S_NETWORKING_API_VERSION, kind: 'NetworkPolicy' }, v);
      const np = k8s && convertKubernetesNetworkPolicy(k8s as KubernetesNetworkPolicy).policy;
      return { kind: 'policy', key, value: np && networkPolicy(np, KUBERNETES_NETWORK_POLICY, r.metadata.name) };
    }
    case 'GlobalNetworkPolicy': {
      const gnp = admit(globalNetworkPolicyKind, r, v);
      return { kind: 'policy', key, value: gnp && globalNetworkPolicy(gnp) };
    }
    case 'Tier': {
      const t = admit(tierKind, r, v);
      return { kind: 'tier', key, value: t && tier(t) };
    }
    case 'Profile': {
      const p = admit(profileKind, r, v);
      return { kind: 'profile', key, value: p && profile(p) };
    }
    case 'WorkloadEndpoint': {
      const w = admit(workloadEndpointKind, r, v);
      return { kind: 'endpoint', key, value: w && workloadEndpoint(w) };
    }
    case 'HostEndpoint': {
      const h = admit(hostEndpointKind, r, v);
      return { kind: 'endpoint', key, value: h && hostEndpoint(h) };
    }
    case 'NetworkSet': {
      const n = admit(networkSetKind, r, v);
      return { kind: 'netset', key, value: n && networkSet(n) };
    }
    case 'GlobalNetworkSet': {
      const n = admit(globalNetworkSetKind, r, v);
      return { kind: 'netset', key, value: n && networkSet(n) };
    }
    case 'FelixConfiguration': {
      const c = admit(felixConfigurationKind, r, v);
      return { kind: 'felix-config', key: r.metadata.name, value: c && (c.spec as Readonly<Record<string, unknown>>) };
    }
    default:
      // Staged policies are never programmed; other kinds are not the calc graph's business.
      return { kind: 'ignored', key };
  }
}

function directions(types: readonly string[] | undefined): { ingress: boolean; egress: boolean } {
  // Felix compares case-insensitively and reads "no types" as both.
  const t = (types ?? []).map((x) => x.toLowerCase());
  if (t.length === 0) return { ingress: true, egress: true };
  return { ingress: t.includes('ingress'), egress: t.includes('egress') };
}

function networkPolicy(np: NetworkPolicy, kind: PolicyId['kind'], name: string): ModelPolicy {
  const ns = np.metadata.namespace ?? '';
  const s = np.spec;
  return {
    id: { kind, namespace: ns, name },
    tier: s.tier === undefined || s.tier === '' ? 'default' : s.tier,
    ...(s.order === undefined ? {} : { order: s.order }),
    selector: namespacedPolicySelector(s.selector, ns, s.serviceAccountSelector),
    inboundRules: convertRules(s.ingress, ns),
    outboundRules: convertRules(s.egress, ns),
    ...directions(s.types),
    untracked: false,
    preDNAT: false,
    applyOnForward: false,
    assumeNeededOnEveryNode: (s.performanceHints ?? []).includes('AssumeNeededOnEveryNode'),
  };
}

function globalNetworkPolicy(gnp: GlobalNetworkPolicy): ModelPolicy {
  const s = gnp.spec;
  return {
    id: { kind: 'GlobalNetworkPolicy', name: gnp.metadata.name },
    tier: s.tier === undefined || s.tier === '' ? 'default' : s.tier,
    ...(s.order === undefined ? {} : { order: s.order }),
    selector: globalPolicySelector(s.selector, s.namespaceSelector, s.serviceAccountSelector),
    inboundRules: convertRules(s.ingress, ''),
    outboundRules: convertRules(s.egress, ''),
    ...directions(s.types),
    untracked: s.doNotTrack ?? false,
    preDNAT: s.preDNAT ?? false,
    applyOnForward: s.applyOnForward ?? false,
    assumeNeededOnEveryNode: (s.performanceHints ?? []).includes('AssumeNeededOnEveryNode'),
  };
}

function tier(t: Tier) {
  return {
    name: t.metadata.name,
    ...(t.spec.order === undefined ? {} : { order: t.spec.order }),
    defaultAction: t.spec.defaultAction === 'Pass' ? ('pass' as const) : ('deny' as const),
  };
}

function profile(p: Profile) {
  return {
    name: p.metadata.name,
    inboundRules: convertRules(p.spec.ingress, ''),
    outboundRules: convertRules(p.spec.egress, ''),
    labels: p.spec.labelsToApply ?? {},
  };
}

/** A single address as its host CIDR (/32 or /128), whatever prefix it was written with. */
function hostCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  return canonicalCidr(slash < 0 ? s : s.slice(0, slash)) ?? undefined;
}

function endpointPorts(ports: readonly { name: string; protocol: string; port: number }[] | undefined): ModelEndpointPort[] {
  const out: ModelEndpointPort[] = [];
  for (const p of ports ?? []) {
    // Unnamed ports are host-port mappings only; Felix never sees them.
    if (p.name === '') continue;
    const protocol = p.protocol.toLowerCase();
    if (protocol === 'tcp' || protocol === 'udp' || protocol === 'sctp') out.push({ name: p.name, protocol, port: p.port });
  }
  return out;
}

function workloadLabels(w: WorkloadEndpoint): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(w.metadata.labels ?? {})) {
    if (!k.startsWith(NAMESPACE_LABEL_PREFIX) && !k.startsWith(SERVICE_ACCOUNT_LABEL_PREFIX)) out[k] = v;
  }
  out[LABEL_NAMESPACE] = w.metadata.namespace ?? '';
  out[LABEL_ORCHESTRATOR] = w.spec.orchestrator ?? '';
  const sa = w.spec.serviceAccountName ?? '';
  if (sa !== '') out[LABEL_SERVICE_ACCOUNT] = sa;
  return out;
}

/** As the update processor's ConvertV2ToV1IPNAT: a pair that does not parse is dropped; the internal address picks the family. */
function endpointNats(nats: readonly IPNAT[]): { ipv4Nat: NatInfo[]; ipv6Nat: NatInfo[] } {
  const ipv4Nat: NatInfo[] = [];
  const ipv6Nat: NatInfo[] = [];
  for (const n of nats) {
    const intIp = canonicalIp(n.internalIP);
    const extIp = canonicalIp(n.externalIP);
    if (intIp === null || extIp === null) continue;
    (intIp.includes(':') ? ipv6Nat : ipv4Nat).push({ extIp, intIp });
  }
  return { ipv4Nat, ipv6Nat };
}

function workloadEndpoint(w: WorkloadEndpoint) {
  const s = w.spec;
  // A workload without addresses cannot be rendered yet: upstream filters it out.
  if ((s.ipNetworks ?? []).length === 0) return undefined;
  const ipv4Nets: Cidr[] = [];
  const ipv6Nets: Cidr[] = [];
  for (const n of s.ipNetworks ?? []) {
    const c = hostCidr(n);
    if (c === undefined) continue;
    (c.includes(':') ? ipv6Nets : ipv4Nets).push(c);
  }
  const ns = w.metadata.namespace ?? '';
  const orchestrator = s.orchestrator ?? '';
  const workload = `${ns}/${orchestrator === 'k8s' ? (s.pod ?? s.workload ?? '') : (s.workload ?? s.pod ?? '')}`;
  const hostname = s.node ?? '';
  return {
    kind: 'wep' as const,
    hostname,
    felixId: `${hostname}/${orchestrator}/${workload}/${s.endpoint ?? ''}`,
    interfaceName: s.interfaceName ?? '',
    ...(s.mac === undefined || s.mac === '' ? {} : { mac: s.mac }),
    ipv4Nets,
    ipv6Nets,
    allowSpoofedSourcePrefixes: (s.allowSpoofedSourcePrefixes ?? []).flatMap((p) => canonicalCidr(p) ?? []),
    ...endpointNats(s.ipNATs ?? []),
    labels: workloadLabels(w),
    profileIds: s.profiles ?? [],
    nets: [...ipv4Nets, ...ipv6Nets],
    ports: endpointPorts(s.ports),
  };
}

function hostEndpoint(h: HostEndpoint) {
  const s = h.spec;
  const v4: string[] = [];
  const v6: string[] = [];
  const nets: Cidr[] = [];
  for (const ip of s.expectedIPs ?? []) {
    const c = hostCidr(ip);
    if (c === undefined) continue;
    nets.push(c);
    const addr = c.slice(0, c.indexOf('/'));
    (c.includes(':') ? v6 : v4).push(addr);
  }
  const hostname = s.node ?? '';
  return {
    kind: 'hep' as const,
    hostname,
    felixId: `${hostname}/${h.metadata.name}`,
    interfaceName: s.interfaceName ?? '',
    expectedIpv4Addrs: v4,
    expectedIpv6Addrs: v6,
    labels: h.metadata.labels ?? {},
    profileIds: s.profiles ?? [],
    nets,
    ports: endpointPorts(s.ports),
  };
}

const SPLIT_V4: readonly Cidr[] = ['0.0.0.0/1', '128.0.0.0/1'] as Cidr[];
const SPLIT_V6: readonly Cidr[] = ['::/1', '8000::/1'] as Cidr[];

function networkSet(n: NetworkSet | GlobalNetworkSet) {
  const ns = n.metadata.namespace;
  const nets: Cidr[] = [];
  for (const raw of n.spec.nets ?? []) {
    const c = parseCidr(raw);
    // Invalid entries are skipped (with a warning upstream), not fatal.
    if (c === null) continue;
    // ipsets cannot hold a /0: it becomes the two /1 halves.
    if (c.prefixLength === 0) nets.push(...(c.family === 4 ? SPLIT_V4 : SPLIT_V6));
    else nets.push(canonicalCidr(raw) as Cidr);
  }
  const labels: Labels = ns === undefined ? (n.metadata.labels ?? {}) : { ...n.metadata.labels, [LABEL_NAMESPACE]: ns };
  return {
    kind: 'netset' as const,
    labels,
    profileIds: ns === undefined ? [] : [`kns.${ns}`],
    nets,
    ports: [],
  };
}
