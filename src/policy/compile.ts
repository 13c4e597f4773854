// Resources → the compiled form the evaluator walks: tiers in Felix's order,
// policies with parsed selectors and rules, endpoints and network sets with
// their effective labels. A resource that fails to compile is left out and
// reported, as Felix's validation filter treats an invalid resource as absent.
import { fieldError } from '../api/errors.js';
import { defaultPolicyTypes } from '../api/policy-defaults.js';
import type { Labels } from '../api/meta.js';
import { parseCidr, parseIp, type ParsedCidr, type ParsedIp } from '../api/net.js';
import type {
  EndpointPort,
  GlobalNetworkPolicySpec,
  PolicyType,
  Profile,
  Rule,
  TierSpec,
} from '../api/policy-types.js';
import { inheritLabels, labelledItem, LABEL_NAMESPACE, workloadOwnLabels, type LabelledItem } from './labels.js';
import { compileRule, RuleError, type CompiledRule } from './rules.js';
import { compilePolicySelector, SelectorError, type Matcher } from './selectors.js';
import type { EndpointRef, ModelWarning, PolicyId, PolicyResource } from './types.js';
import { toCalicoPolicies } from './k8s.js';

export interface CompiledTier {
  readonly name: string;
  readonly order: number | null;
  readonly defaultAction: 'Deny' | 'Pass';
  /** False for a tier that policies name but no Tier resource defines: sorts last, acts as Deny. */
  readonly valid: boolean;
}

export interface CompiledPolicy {
  readonly id: PolicyId;
  readonly tier: string;
  readonly order: number;
  /** Felix's tie-break string `name/namespace/kind`, kind `Staged…` for a staged one (policy_sorter.go PolKVLess). */
  readonly sortKey: string;
  /** The rewritten selector Felix evaluates (policy.md §1.8). */
  readonly selector: string;
  readonly applies: Matcher;
  /** null when the policy does not govern that direction (types). */
  readonly ingress: readonly CompiledRule[] | null;
  readonly egress: readonly CompiledRule[] | null;
  readonly doNotTrack: boolean;
  readonly preDNAT: boolean;
  readonly applyOnForward: boolean;
  readonly staged: boolean;
}

export interface CompiledProfile {
  readonly name: string;
  readonly ingress: readonly CompiledRule[];
  readonly egress: readonly CompiledRule[];
}

export interface EndpointInfo {
  readonly ref: EndpointRef;
  readonly node: string | undefined;
  readonly item: LabelledItem;
  readonly ips: readonly ParsedIp[];
  readonly ports: readonly EndpointPort[];
  readonly profiles: readonly string[];
}

export interface NetworkSetInfo {
  /** `<ns>/<name>` or `<name>`, as Felix keys network sets. */
  readonly key: string;
  readonly item: LabelledItem;
  readonly cidrs: readonly ParsedCidr[];
}

export interface CompiledResources {
  readonly tiers: readonly CompiledTier[];
  /** Sorted: tier order, then policy order, then sortKey. Staged policies included (flagged). */
  readonly policies: readonly CompiledPolicy[];
  readonly profiles: ReadonlyMap<string, CompiledProfile>;
  readonly endpoints: readonly EndpointInfo[];
  readonly networkSets: readonly NetworkSetInfo[];
  readonly warnings: readonly ModelWarning[];
}

/** The tiers every Calico datastore has (clientv3 EnsureInitialized). */
const BUILT_IN_TIERS: readonly CompiledTier[] = [
  { name: 'kube-admin', order: 1000, defaultAction: 'Pass', valid: true },
  { name: 'default', order: 1_000_000, defaultAction: 'Deny', valid: true },
  { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass', valid: true },
];

/** TierLess (policy_sorter.go): valid first, then order (nil last), then name. */
export function tierLess(a: CompiledTier, b: CompiledTier): number {
  if (a.valid !== b.valid) return a.valid ? -1 : 1;
  if (a.order === null && b.order !== null) return 1;
  if (a.order !== null && b.order === null) return -1;
  if (a.order === b.order) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  return (a.order ?? 0) - (b.order ?? 0);
}

/** A policy written without `types` gets the Go client's default (policy.md §3.4). */
export function defaultTypes(spec: {
  readonly types?: readonly PolicyType[];
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
}): readonly PolicyType[] {
  if (spec.types !== undefined && spec.types.length > 0) return spec.types;
  return defaultPolicyTypes(spec.ingress, spec.egress);
}

function resourceName(kind: string, ns: string | undefined, name: string): string {
  return ns === undefined || ns === '' ? `${kind}(${name})` : `${kind}(${ns}/${name})`;
}

function compileRules(rules: readonly Rule[] | undefined, ns: string, path: string): CompiledRule[] {
  return (rules ?? []).map((r, i) => compileRule(r, ns, `${path}[${i}]`));
}

interface PolicyInput {
  readonly id: PolicyId;
  readonly spec: GlobalNetworkPolicySpec;
  readonly staged: boolean;
}

function compilePolicy(p: PolicyInput): CompiledPolicy {
  const types = defaultTypes(p.spec).map((t) => t.toLowerCase());
  const ns = p.id.namespace;
  const ingress = types.includes('ingress') ? compileRules(p.spec.ingress, ns, 'spec.ingress') : null;
  const egress = types.includes('egress') ? compileRules(p.spec.egress, ns, 'spec.egress') : null;
  const sel = compilePolicySelector({
    namespace: ns,
    selector: p.spec.selector,
    namespaceSelector: ns === '' ? p.spec.namespaceSelector : undefined,
    serviceAccountSelector: p.spec.serviceAccountSelector,
  });
  return {
    id: p.id,
    tier: p.spec.tier === undefined || p.spec.tier === '' ? 'default' : p.spec.tier,
    order: p.spec.order ?? Number.POSITIVE_INFINITY,
    sortKey: `${p.id.name}/${p.id.namespace}/${p.staged ? 'Staged' : ''}${p.id.kind}`,
    selector: sel.text,
    applies: sel.applies,
    ingress,
    egress,
    doNotTrack: p.spec.doNotTrack === true,
    preDNAT: p.spec.preDNAT === true,
    applyOnForward: p.spec.applyOnForward === true,
    staged: p.staged,
  };
}

function compileProfile(p: Profile): CompiledProfile {
  return {
    name: p.metadata.name,
    ingress: compileRules(p.spec.ingress, '', 'spec.ingress'),
    egress: compileRules(p.spec.egress, '', 'spec.egress'),
  };
}

function parseIps(texts: readonly string[], path: string): ParsedIp[] {
  return texts.map((t, i) => {
    // ipNetworks are /32 or /128; expectedIPs are bare addresses.
    const c = parseCidr(t);
    const ip = c === null ? null : parseIp(t.split('/')[0] ?? '');
    if (c === null || ip === null) throw new RuleError(`${path}[${i}]`, `invalid address ${JSON.stringify(t)}`);
    return ip;
  });
}

function describe(err: unknown): { field: string; message: string } {
  if (err instanceof SelectorError || err instanceof RuleError) return { field: err.field, message: err.message };
  return { field: '', message: err instanceof Error ? err.message : String(err) };
}

/** Compiles resources; never throws for a bad resource, it is skipped with a warning. */
export function compileResources(resources: Iterable<PolicyResource>): CompiledResources {
  const warnings: ModelWarning[] = [];
  const warn = (resource: string, err: unknown): void => {
    const d = describe(err);
    warnings.push({ ...fieldError('invalid-value', d.field, d.message), resource });
  };
  const all = [...resources];
  const tierSpecs = new Map<string, TierSpec>();
  const profileLabels = new Map<string, Labels | undefined>();
  const profiles = new Map<string, CompiledProfile>();
  // Keyed as the datastore keys them: a later copy of a resource replaces an earlier one.
  const policyInputs = new Map<string, PolicyInput>();
  const addPolicy = (p: PolicyInput): void => {
    policyInputs.set(`${p.staged ? 'staged:' : ''}${p.id.kind}/${p.id.namespace}/${p.id.name}`, p);
  };

  for (const r of all) {
    if (r.kind === 'Tier') tierSpecs.set(r.metadata.name, r.spec);
    else if (r.kind === 'Profile') {
      try {
        profiles.set(r.metadata.name, compileProfile(r));
        profileLabels.set(r.metadata.name, r.spec.labelsToApply);
      } catch (err) {
        warn(resourceName('Profile', undefined, r.metadata.name), err);
      }
    } else if ((r.kind === 'NetworkPolicy' && r.apiVersion === 'networking.k8s.io/v1') || r.kind === 'StagedKubernetesNetworkPolicy') {
      if (r.kind === 'StagedKubernetesNetworkPolicy' && r.spec.stagedAction === 'Delete') continue;
      const converted = toCalicoPolicies(r);
      for (const w of converted.warnings) warnings.push(w);
      if (converted.spec !== null) addPolicy({ id: converted.id, spec: converted.spec, staged: converted.staged });
    } else if (r.kind === 'NetworkPolicy' || r.kind === 'StagedNetworkPolicy') {
      const staged = r.kind === 'StagedNetworkPolicy';
      if (staged && r.spec.stagedAction === 'Delete') continue;
      const ns = r.metadata.namespace ?? 'default';
      addPolicy({ id: { kind: 'NetworkPolicy', namespace: ns, name: r.metadata.name }, spec: r.spec, staged });
    } else if (r.kind === 'GlobalNetworkPolicy' || r.kind === 'StagedGlobalNetworkPolicy') {
      const staged = r.kind === 'StagedGlobalNetworkPolicy';
      if (staged && r.spec.stagedAction === 'Delete') continue;
      addPolicy({ id: { kind: 'GlobalNetworkPolicy', namespace: '', name: r.metadata.name }, spec: r.spec, staged });
    }
  }

  const endpoints = new Map<string, EndpointInfo>();
  const networkSets = new Map<string, NetworkSetInfo>();
  const inherit = (own: Labels, profileNames: readonly string[]): LabelledItem =>
    labelledItem(inheritLabels(own, profileNames.map((n) => profileLabels.get(n))));

  for (const r of all) {
    const name = resourceName(r.kind, r.metadata.namespace, r.metadata.name);
    try {
      if (r.kind === 'WorkloadEndpoint') {
        const ns = r.metadata.namespace ?? 'default';
        const own = workloadOwnLabels(r.metadata.labels, ns, r.spec.orchestrator, r.spec.serviceAccountName);
        const profileNames = r.spec.profiles ?? [];
        const ips = parseIps(r.spec.ipNetworks ?? [], 'spec.ipNetworks');
        // Felix never sees a workload endpoint without addresses.
        if (ips.length === 0) continue;
        endpoints.set(`WorkloadEndpoint/${ns}/${r.metadata.name}`, {
          ref: { kind: 'WorkloadEndpoint', namespace: ns, name: r.metadata.name },
          node: r.spec.node,
          item: inherit(own, profileNames),
          ips,
          ports: (r.spec.ports ?? []).filter((p) => p.name !== ''),
          profiles: profileNames,
        });
      } else if (r.kind === 'HostEndpoint') {
        const profileNames = r.spec.profiles ?? [];
        endpoints.set(`HostEndpoint/${r.metadata.name}`, {
          ref: { kind: 'HostEndpoint', name: r.metadata.name },
          node: r.spec.node,
          item: inherit(r.metadata.labels ?? {}, profileNames),
          ips: parseIps(r.spec.expectedIPs ?? [], 'spec.expectedIPs'),
          ports: r.spec.ports ?? [],
          profiles: profileNames,
        });
      } else if (r.kind === 'NetworkSet' || r.kind === 'GlobalNetworkSet') {
        const ns = r.kind === 'NetworkSet' ? (r.metadata.namespace ?? 'default') : undefined;
        const own = ns === undefined ? (r.metadata.labels ?? {}) : { ...r.metadata.labels, [LABEL_NAMESPACE]: ns };
        const cidrs: ParsedCidr[] = [];
        for (const n of r.spec.nets ?? []) {
          // The converter skips an invalid entry rather than the whole set.
          const c = parseCidr(n);
          if (c !== null) cidrs.push(c);
          else warn(name, new RuleError('spec.nets', `invalid network ${JSON.stringify(n)} skipped`));
        }
        const key = ns === undefined ? r.metadata.name : `${ns}/${r.metadata.name}`;
        networkSets.set(`${r.kind}/${key}`, {
          key,
          item: inherit(own, ns === undefined ? [] : [`kns.${ns}`]),
          cidrs,
        });
      }
    } catch (err) {
      warn(name, err);
    }
  }

  const policies: CompiledPolicy[] = [];
  for (const p of policyInputs.values()) {
    const name = resourceName(p.id.kind, p.id.namespace, p.id.name);
    for (const dir of ['ingress', 'egress'] as const) {
      (p.spec[dir] ?? []).forEach((r, i) => {
        for (const side of ['source', 'destination'] as const) {
          if (r[side]?.services === undefined) continue;
          const message = 'matching a Service needs its EndpointSlices, which the model is not given: this rule never matches';
          warnings.push({ ...fieldError('invalid-value', `spec.${dir}[${i}].${side}.services`, message), resource: name });
        }
      });
    }
    try {
      policies.push(compilePolicy(p));
    } catch (err) {
      warn(resourceName(p.id.kind, p.id.namespace, p.id.name), err);
    }
  }

  const tiers = new Map<string, CompiledTier>(BUILT_IN_TIERS.map((t) => [t.name, t]));
  for (const [name, spec] of tierSpecs) {
    tiers.set(name, { name, order: spec.order ?? null, defaultAction: spec.defaultAction ?? 'Deny', valid: true });
  }
  for (const p of policies) {
    if (!tiers.has(p.tier)) tiers.set(p.tier, { name: p.tier, order: null, defaultAction: 'Deny', valid: false });
  }
  const sortedTiers = [...tiers.values()].sort(tierLess);
  const tierIndex = new Map(sortedTiers.map((t, i) => [t.name, i]));
  policies.sort((a, b) => {
    const ta = tierIndex.get(a.tier) ?? 0;
    const tb = tierIndex.get(b.tier) ?? 0;
    if (ta !== tb) return ta - tb;
    if (a.order !== b.order) return a.order < b.order ? -1 : 1;
    return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
  });
  return { tiers: sortedTiers, policies, profiles, endpoints: [...endpoints.values()], networkSets: [...networkSets.values()], warnings };
}
