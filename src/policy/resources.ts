// Picks, out of decoded or stored resources, the kinds the policy model reads.
import { CALICO_API_VERSION, K8S_NETWORKING_API_VERSION } from '../api/meta.js';
import type { StoredResource } from '../datastore/types.js';
import type { PolicyResource } from './types.js';

const CALICO_KINDS: ReadonlySet<string> = new Set([
  'Tier',
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'Profile',
  'NetworkSet',
  'GlobalNetworkSet',
  'WorkloadEndpoint',
  'HostEndpoint',
  'Node',
]);

export function isPolicyResource(r: StoredResource): boolean {
  if (r.apiVersion === K8S_NETWORKING_API_VERSION) return r.kind === 'NetworkPolicy';
  return r.apiVersion === CALICO_API_VERSION && CALICO_KINDS.has(r.kind);
}

/**
 * The policy-relevant resources among `stored`. The caller vouches that they
 * were validated by their kind (decodeManifests, the datastore), which is what
 * makes their shapes the PolicyResource types.
 */
export function policyResourcesOf(stored: readonly StoredResource[]): PolicyResource[] {
  return stored.filter(isPolicyResource) as unknown as PolicyResource[];
}
