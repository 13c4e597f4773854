// Effective labels of the things selectors look at (endpoints, network sets),
// with the labels Calico injects and the profile label inheritance Felix does
// (policy.md §1.8), plus the "prefix-stripped" views used to evaluate
// namespace and service-account selectors without rewriting their text.
import type { Labels } from '../api/meta.js';

export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';
export const NAMESPACE_LABEL_PREFIX = 'pcns.';
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';

/**
 * Upstream prefixes every label name of a namespace selector with `pcns.` and
 * then textually replaces `all()`/`global()` by `has(projectcalico.org/namespace)`
 * tests. Evaluating the unprefixed selector against the labels with the prefix
 * stripped is the same thing; the replaced `all()` needs a key that no real
 * label can have (Kubernetes label keys start with an alphanumeric), hence
 * these sentinels.
 */
export const SENTINEL_HAS_NAMESPACE = '--calico-ts-has-namespace';
export const SENTINEL_HAS_SERVICE_ACCOUNT = '--calico-ts-has-serviceaccount';

/** A thing rule selectors can match: its labels, and the two prefix-stripped views of them. */
export interface LabelledItem {
  readonly labels: Labels;
  /** `pcns.k=v` seen as `k=v`, plus the namespace/serviceaccount sentinels. */
  readonly namespaceView: Labels;
  /** `pcsa.k=v` seen as `k=v`, plus the sentinels. */
  readonly serviceAccountView: Labels;
}

/**
 * Own labels first, then each profile's labelsToApply in order: the first
 * writer of a key wins (Felix's label inheritance index).
 */
export function inheritLabels(own: Labels, parents: readonly (Labels | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = parents.length - 1; i >= 0; i--) Object.assign(out, parents[i] ?? {});
  return Object.assign(out, own);
}

function strippedView(labels: Labels, prefix: string): Record<string, string> {
  const view: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith(prefix)) view[k.slice(prefix.length)] = v;
  }
  if (LABEL_NAMESPACE in labels) view[SENTINEL_HAS_NAMESPACE] = '';
  if (LABEL_SERVICE_ACCOUNT in labels) view[SENTINEL_HAS_SERVICE_ACCOUNT] = '';
  return view;
}

export function labelledItem(labels: Labels): LabelledItem {
  return {
    labels,
    namespaceView: strippedView(labels, NAMESPACE_LABEL_PREFIX),
    serviceAccountView: strippedView(labels, SERVICE_ACCOUNT_LABEL_PREFIX),
  };
}

/**
 * A workload endpoint's own labels as Felix sees them: pod labels that could
 * spoof namespace or service-account labels are dropped, and the namespace,
 * orchestrator and service-account labels are set from the spec.
 */
export function workloadOwnLabels(
  labels: Labels | undefined,
  namespace: string,
  orchestrator: string | undefined,
  serviceAccountName: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!k.startsWith(NAMESPACE_LABEL_PREFIX) && !k.startsWith(SERVICE_ACCOUNT_LABEL_PREFIX)) out[k] = v;
  }
  out[LABEL_NAMESPACE] = namespace;
  out[LABEL_ORCHESTRATOR] = orchestrator ?? '';
  if (serviceAccountName !== undefined && serviceAccountName !== '') out[LABEL_SERVICE_ACCOUNT] = serviceAccountName;
  return out;
}
