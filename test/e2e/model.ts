// The reference policy model's verdicts for the lab's pods, computed from
// exactly what the lab's datastore holds — the same profiles, endpoints and
// policies calico-node programmed — so a difference is a difference between
// the dataplane and the model, not between two inputs.
import { withDatastore } from '../../src/lab/datastore.js';
import type { LabState, PodState, Protocol } from '../../src/lab/state.js';
import { buildPolicyModel, policyResourcesOf, type PolicyModel } from '../../src/policy/index.js';
import type { StoredResource } from '../../src/datastore/types.js';

const POLICY_KINDS = ['Tier', 'GlobalNetworkPolicy', 'NetworkPolicy', 'KubernetesNetworkPolicy', 'Profile', 'WorkloadEndpoint', 'NetworkSet', 'GlobalNetworkSet', 'HostEndpoint', 'Node'];
// Node: only from a Node does the model know an address is a host's own, where
// every packet a pod of that host sends meets DefaultEndpointToHostAction.

export interface LabModel {
  readonly model: PolicyModel;
  /** `ns/pod` → its WorkloadEndpoint's name. */
  readonly endpoints: ReadonlyMap<string, string>;
}

export async function labModel(state: LabState): Promise<LabModel> {
  const stored: StoredResource[] = await withDatastore(state, async (ds) => {
    const out: StoredResource[] = [];
    for (const kind of POLICY_KINDS) out.push(...(await ds.list({ kind })).items);
    return out;
  });
  const endpoints = new Map<string, string>();
  for (const r of stored) {
    const pod = (r.spec as { pod?: string } | undefined)?.pod;
    if (r.kind === 'WorkloadEndpoint' && pod !== undefined) endpoints.set(`${r.metadata.namespace ?? ''}/${pod}`, r.metadata.name);
  }
  return { model: buildPolicyModel(policyResourcesOf(stored)), endpoints };
}

/** Whether the model lets `from` open a connection to `to` on protocol/port (a pod reaching itself never leaves its namespace). */
export function modelAllows(m: LabModel, from: Pick<PodState, 'namespace' | 'name'>, to: Pick<PodState, 'namespace' | 'name'>, protocol: Protocol, port: number): boolean {
  const fromId = `${from.namespace}/${from.name}`;
  const toId = `${to.namespace}/${to.name}`;
  if (fromId === toId) return true;
  const ref = (id: string, ns: string) => ({ endpoint: { kind: 'WorkloadEndpoint' as const, namespace: ns, name: m.endpoints.get(id) ?? '' } });
  const verdict = m.model.evaluate({ source: ref(fromId, from.namespace), destination: ref(toId, to.namespace), protocol: protocol.toUpperCase(), srcPort: 40000, dstPort: port });
  return verdict.action === 'allow';
}
