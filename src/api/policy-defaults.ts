// The defaults Calico's client applies when a policy or tier is written
// (api/pkg/defaults, clientv3 and the CRD defaults its validator applies):
// policy `types` from the rules present, `tier: default`, the tier label,
// `stagedAction: Set`, and a tier's order and default action.
import type { ObjectMeta } from './meta.js';
import type { PolicyType, Rule, StagedAction, TierSpec } from './policy-types.js';

export const DEFAULT_TIER_NAME = 'default';
export const KUBE_ADMIN_TIER_NAME = 'kube-admin';
export const KUBE_BASELINE_TIER_NAME = 'kube-baseline';
export const DEFAULT_TIER_ORDER = 1_000_000;
export const KUBE_ADMIN_TIER_ORDER = 1_000;
export const KUBE_BASELINE_TIER_ORDER = 10_000_000;
/** Metadata label carrying a policy's tier (informational; selectors do not use it). */
export const LABEL_TIER = 'projectcalico.org/tier';

/**
 * The Go client's rule for an empty `types`: by rule *count*, egress-only
 * policies govern Egress, policies with both govern both, all others Ingress
 * (including a policy with no rules at all).
 */
export function defaultPolicyTypes(ingress: readonly Rule[] | undefined, egress: readonly Rule[] | undefined): PolicyType[] {
  const nIn = ingress?.length ?? 0;
  const nEg = egress?.length ?? 0;
  if (nEg === 0) return ['Ingress'];
  if (nIn === 0) return ['Egress'];
  return ['Ingress', 'Egress'];
}

export function tierOrDefault(tier: string | undefined): string {
  return tier === undefined || tier === '' ? DEFAULT_TIER_NAME : tier;
}

/** Sets `projectcalico.org/tier` to the policy's tier, leaving other labels alone. */
export function withTierLabel(meta: ObjectMeta, tier: string | undefined): ObjectMeta {
  return { ...meta, labels: { ...meta.labels, [LABEL_TIER]: tierOrDefault(tier) } };
}

interface PolicyLikeSpec {
  readonly tier?: string;
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
  readonly types?: readonly PolicyType[];
  readonly stagedAction?: StagedAction;
}

interface PolicyLike<S extends PolicyLikeSpec> {
  readonly metadata: ObjectMeta;
  readonly spec: S;
}

/**
 * Defaults for the four Calico policy kinds. `staged` marks the staged kinds:
 * they also default `stagedAction` to Set, and a staged Delete has its
 * `types` cleared (the client does so, since a Delete must carry no spec).
 */
export function applyPolicyDefaults<S extends PolicyLikeSpec, R extends PolicyLike<S>>(r: R, staged: boolean): R {
  const tier = tierOrDefault(r.spec.tier);
  let spec: S = { ...r.spec, tier };
  if (spec.types === undefined || spec.types.length === 0) {
    spec = { ...spec, types: defaultPolicyTypes(spec.ingress, spec.egress) };
  }
  if (staged) {
    const stagedAction = spec.stagedAction ?? 'Set';
    spec = { ...spec, stagedAction };
    if (stagedAction === 'Delete') {
      const { types: _cleared, ...rest } = spec;
      spec = rest as S;
    }
  }
  return { ...r, metadata: withTierLabel(r.metadata, tier), spec };
}

/** A tier with no order sorts as the default tier does; with no default action it denies. */
export function applyTierSpecDefaults(spec: TierSpec): TierSpec {
  return { ...spec, order: spec.order ?? DEFAULT_TIER_ORDER, defaultAction: spec.defaultAction ?? 'Deny' };
}
