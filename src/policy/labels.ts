// Effective labels of the things selectors look at (endpoints, network sets),
// with the labels Calico injects and the profile label inheritance Felix does
// (policy.md §1.8).
import type { Labels } from '../api/meta.js';

export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';
export const NAMESPACE_LABEL_PREFIX = 'pcns.';
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';

/** A thing selectors can match: an endpoint or a network set, with its effective labels. */
export interface LabelledItem {
  readonly labels: Labels;
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

export function labelledItem(labels: Labels): LabelledItem {
  return { labels };
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
