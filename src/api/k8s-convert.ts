// Kubernetes networking.k8s.io/v1 NetworkPolicy → Calico NetworkPolicy, as
// Calico's K8sNetworkPolicyToCalico (KDD) and kube-controllers (etcd mode,
// name prefixed `knp.default.`) do it. Pure: no I/O, no clock.
import type { EntityRule, NetworkPolicy, NetworkPolicySpec, Port, PolicyType, Rule } from './policy-types.js';
import type {
  IPBlock,
  K8sNetworkPolicyPeer,
  K8sNetworkPolicyPort,
  KubernetesNetworkPolicy,
  LabelSelector,
  StagedKubernetesNetworkPolicySpec,
} from './k8s-types.js';
import type { ObjectMeta } from './meta.js';
import { CALICO_API_VERSION } from './meta.js';
import { formatCidr, parseCidr } from './net.js';
import { formatPort, portFromString, type ParsedPort } from './rule.js';
import type { StagedNetworkPolicy } from './policy-types.js';
import { DEFAULT_TIER_NAME } from './policy-defaults.js';

/** Name prefix kube-controllers gives converted policies in etcd mode. */
export const K8S_POLICY_NAME_PREFIX = 'knp.default.';
/** Every converted policy sits at this order in the default tier. */
export const K8S_POLICY_ORDER = 1000;
const ORCHESTRATOR_CLAUSE = "projectcalico.org/orchestrator == 'k8s'";

export interface ConversionResult<P> {
  readonly policy: P;
  /** Rules that were dropped (and why), and other oddities worth a log line. */
  readonly warnings: string[];
  /** The subset of `warnings` about rules that could not be converted (Calico's conversion error). */
  readonly ruleErrors: string[];
}

type SelectorKind = 'pod' | 'namespace';

/**
 * A k8s label selector as a Calico selector. Pod selectors start with the
 * orchestrator clause (so they never match host endpoints or network sets);
 * an absent namespace selector is "" (the policy's own namespace) and an
 * empty one `all()`.
 */
export function k8sSelectorToCalico(s: LabelSelector | undefined, kind: SelectorKind): string {
  const terms: string[] = kind === 'pod' ? [ORCHESTRATOR_CLAUSE] : [];
  if (s === undefined) return terms.join(' && ');
  const labels = s.matchLabels ?? {};
  const exprs = s.matchExpressions ?? [];
  if (kind === 'namespace' && Object.keys(labels).length === 0 && exprs.length === 0) return 'all()';
  for (const k of Object.keys(labels).sort(byteCompare)) terms.push(`${k} == '${labels[k] ?? ''}'`);
  for (const e of exprs) {
    const values = (e.values ?? []).join("', '");
    switch (e.operator) {
      case 'In':
        terms.push(`${e.key} in { '${values}' }`);
        break;
      case 'NotIn':
        terms.push(`${e.key} not in { '${values}' }`);
        break;
      case 'Exists':
        terms.push(`has(${e.key})`);
        break;
      case 'DoesNotExist':
        terms.push(`! has(${e.key})`);
        break;
    }
  }
  return terms.join(' && ');
}

// Go sorts strings by bytes; for the ASCII of label keys that is UTF-16 order too.
function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The fewest port ranges covering the given ports (numbers merged into
 * ranges, ascending, after any named ports). As upstream, a list with at most
 * one numeric port is returned untouched.
 */
export function simplifyPorts(ports: readonly ParsedPort[]): ParsedPort[] {
  if (ports.length <= 1) return [...ports];
  const named = ports.filter((p) => p.kind === 'named');
  const ranges = ports.flatMap((p) => (p.kind === 'range' ? [p] : []));
  const numericCount = ranges.reduce((n, r) => n + (r.max - r.min + 1), 0);
  if (numericCount <= 1) return [...ports];
  const sorted = [...ranges].sort((a, b) => a.min - b.min || a.max - b.max);
  const out: ParsedPort[] = [...named];
  let cur: { min: number; max: number } | undefined;
  for (const r of sorted) {
    if (cur !== undefined && r.min <= cur.max + 1) cur.max = Math.max(cur.max, r.max);
    else {
      if (cur !== undefined) out.push({ kind: 'range', ...cur });
      cur = { min: r.min, max: r.max };
    }
  }
  if (cur !== undefined) out.push({ kind: 'range', ...cur });
  return out;
}

interface PeerFields {
  readonly selector?: string;
  readonly namespaceSelector?: string;
  readonly nets?: string[];
  readonly notNets?: string[];
}

function cidrNetwork(s: string): string | undefined {
  // Go's net.ParseCIDR insists on a prefix length.
  if (!s.includes('/')) return undefined;
  const c = parseCidr(s);
  return c === null ? undefined : formatCidr(c);
}

/**
 * An ipBlock becomes nets/notNets (normalised to network addresses). As
 * upstream, an unparseable CIDR ends the conversion of the block where it
 * stands, which can leave the peer unconstrained.
 */
function ipBlockFields(b: IPBlock, warnings: string[]): PeerFields {
  const net = cidrNetwork(b.cidr);
  if (net === undefined) {
    warnings.push(`ipBlock cidr ${JSON.stringify(b.cidr)} is not a CIDR; the peer is left unconstrained`);
    return {};
  }
  const notNets: string[] = [];
  for (const e of b.except ?? []) {
    const n = cidrNetwork(e);
    if (n === undefined) {
      warnings.push(`ipBlock except ${JSON.stringify(e)} is not a CIDR; later exceptions are ignored`);
      break;
    }
    notNets.push(n);
  }
  return notNets.length > 0 ? { nets: [net], notNets } : { nets: [net] };
}

function peerFields(peer: K8sNetworkPolicyPeer | undefined, warnings: string[]): PeerFields {
  if (peer === undefined) return {};
  if (peer.ipBlock !== undefined) return ipBlockFields(peer.ipBlock, warnings);
  const selector = k8sSelectorToCalico(peer.podSelector, 'pod');
  const namespaceSelector = k8sSelectorToCalico(peer.namespaceSelector, 'namespace');
  return namespaceSelector === '' ? { selector } : { selector, namespaceSelector };
}

/** One k8s port entry as Calico ports; throws with upstream's wording when it cannot be parsed. */
function k8sPortToCalico(p: K8sNetworkPolicyPort): ParsedPort[] {
  if (p.port === undefined) return [];
  const text = p.endPort === undefined ? String(p.port) : `${String(p.port)}:${p.endPort}`;
  const parsed = portFromString(text);
  if ('error' in parsed) throw new Error(`failed to parse k8s port: invalid port ${text}: ${parsed.error}`);
  return [parsed];
}

type PortsByProtocol = Map<string, ParsedPort[] | 'all'>;

/**
 * Groups the rule's ports by protocol (TCP when unset). An entry without a
 * port means every port of its protocol and wins over specific ports; no
 * ports at all means any protocol (key "").
 */
function groupPorts(ports: readonly K8sNetworkPolicyPort[]): PortsByProtocol {
  const byProto: PortsByProtocol = new Map();
  if (ports.length === 0) return new Map([['', 'all']]);
  for (const p of ports) {
    const proto = p.protocol ?? 'TCP';
    const calico = k8sPortToCalico(p);
    if (p.port === undefined) byProto.set(proto, 'all');
    else {
      const cur = byProto.get(proto);
      if (cur === 'all') continue;
      byProto.set(proto, [...(cur ?? []), ...calico]);
    }
  }
  return byProto;
}

function k8sRuleToCalico(
  peers: readonly K8sNetworkPolicyPeer[] | undefined,
  ports: readonly K8sNetworkPolicyPort[] | undefined,
  ingress: boolean,
  warnings: string[],
): Rule[] {
  const byProto = groupPorts(ports ?? []);
  const peerList: (K8sNetworkPolicyPeer | undefined)[] = peers !== undefined && peers.length > 0 ? [...peers] : [undefined];
  const rules: Rule[] = [];
  for (const proto of [...byProto.keys()].sort(byteCompare)) {
    const group = byProto.get(proto);
    const calicoPorts: Port[] | undefined = group === 'all' || group === undefined ? undefined : simplifyPorts(group).map(formatPort);
    for (const peer of peerList) {
      const pf = peerFields(peer, warnings);
      const portFields: EntityRule = calicoPorts === undefined ? {} : { ports: calicoPorts };
      const rule: Rule = {
        action: 'Allow',
        ...(proto === '' ? {} : { protocol: proto as Rule['protocol'] }),
        ...(ingress ? { source: pf, destination: portFields } : { destination: { ...portFields, ...pf } }),
      };
      rules.push(dropEmptyEntities(rule));
    }
  }
  return rules;
}

// Go's omitzero leaves empty source/destination out of the written policy.
function dropEmptyEntities(r: Rule): Rule {
  const { source, destination, ...rest } = r;
  return {
    ...rest,
    ...(source !== undefined && Object.keys(source).length > 0 ? { source } : {}),
    ...(destination !== undefined && Object.keys(destination).length > 0 ? { destination } : {}),
  };
}

interface K8sPolicyInput {
  readonly metadata: ObjectMeta;
  readonly spec: Partial<KubernetesNetworkPolicy['spec']>;
}

function convertSpec(np: K8sPolicyInput, warnings: string[], ruleErrors: string[]): NetworkPolicySpec {
  const convertRules = (dir: 'ingress' | 'egress'): Rule[] => {
    const out: Rule[] = [];
    const list = dir === 'ingress' ? (np.spec.ingress ?? []) : (np.spec.egress ?? []);
    list.forEach((r, i) => {
      const peers = 'from' in r ? r.from : 'to' in r ? r.to : undefined;
      try {
        out.push(...k8sRuleToCalico(peers, r.ports, dir === 'ingress', warnings));
      } catch (err) {
        const msg = `${dir} rule ${i} dropped: k8s rule couldn't be converted: ${(err as Error).message}`;
        warnings.push(msg);
        ruleErrors.push(msg);
      }
    });
    return out;
  };
  const ingress = convertRules('ingress');
  const egress = convertRules('egress');
  const listed = np.spec.policyTypes ?? [];
  const types: PolicyType[] = [];
  if (listed.includes('Ingress')) types.push('Ingress');
  if (listed.includes('Egress')) types.push('Egress');
  else if (egress.length > 0) warnings.push("K8s PolicyTypes don't include 'egress', but NetworkPolicy has egress rules.");
  // A policy from before policyTypes existed governs ingress only.
  if (types.length === 0) types.push('Ingress');
  return {
    order: K8S_POLICY_ORDER,
    tier: DEFAULT_TIER_NAME,
    selector: k8sSelectorToCalico(np.spec.podSelector ?? {}, 'pod'),
    ...(ingress.length > 0 ? { ingress } : {}),
    ...(egress.length > 0 ? { egress } : {}),
    types,
  };
}

/**
 * The Calico NetworkPolicy kube-controllers writes for a Kubernetes one:
 * named `knp.default.<name>` in the same namespace, metadata reduced to
 * name and namespace. Rules that cannot be converted are dropped and named
 * in `warnings`; the rest of the policy stands.
 */
export function convertKubernetesNetworkPolicy(np: KubernetesNetworkPolicy): ConversionResult<NetworkPolicy> {
  const warnings: string[] = [];
  const ruleErrors: string[] = [];
  const spec = convertSpec(np, warnings, ruleErrors);
  const metadata: ObjectMeta = {
    name: K8S_POLICY_NAME_PREFIX + np.metadata.name,
    ...(np.metadata.namespace === undefined ? {} : { namespace: np.metadata.namespace }),
  };
  return { policy: { apiVersion: CALICO_API_VERSION, kind: 'NetworkPolicy', metadata, spec }, warnings, ruleErrors };
}

/**
 * A StagedKubernetesNetworkPolicy as a StagedNetworkPolicy named
 * `knp.default.<name>` (upstream keys it `staged:knp.default.<name>`).
 */
export function convertStagedKubernetesNetworkPolicy(np: {
  readonly metadata: ObjectMeta;
  readonly spec: StagedKubernetesNetworkPolicySpec;
}): ConversionResult<StagedNetworkPolicy> {
  const warnings: string[] = [];
  const ruleErrors: string[] = [];
  const { stagedAction, ...k8sSpec } = np.spec;
  const spec = convertSpec({ metadata: np.metadata, spec: k8sSpec }, warnings, ruleErrors);
  const metadata: ObjectMeta = {
    name: K8S_POLICY_NAME_PREFIX + np.metadata.name,
    ...(np.metadata.namespace === undefined ? {} : { namespace: np.metadata.namespace }),
  };
  return {
    policy: {
      apiVersion: CALICO_API_VERSION,
      kind: 'StagedNetworkPolicy',
      metadata,
      spec: { ...(stagedAction === undefined ? {} : { stagedAction }), ...spec },
    },
    warnings,
    ruleErrors,
  };
}
