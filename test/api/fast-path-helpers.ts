// Shared by the fast-path tests: the kinds with a fast path, the agreement
// check, and the building blocks of generated documents (each field mostly
// valid, sometimes not, sometimes absent).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NOT_FAST, type Fast } from '../../src/api/fast-path.js';
import { validateFully } from '../../src/api/infra-kind.js';
import type { KindDefinition } from '../../src/api/kind.js';
import { globalNetworkPolicyFastPath, globalNetworkPolicyKind } from '../../src/api/kinds/global-network-policy.js';
import { kubernetesNetworkPolicyFastPath, kubernetesNetworkPolicyKind } from '../../src/api/kinds/kubernetes-network-policy.js';
import { networkPolicyFastPath, networkPolicyKind } from '../../src/api/kinds/network-policy.js';
import { profileFastPath, profileKind } from '../../src/api/kinds/profile.js';
import { workloadEndpointFastPath, workloadEndpointKind } from '../../src/api/kinds/workload-endpoint.js';
import type { StoredResource } from '../../src/datastore/types.js';

export const V3 = 'projectcalico.org/v3';

export interface FastKind {
  readonly def: KindDefinition<StoredResource>;
  readonly fast: (doc: unknown) => Fast<StoredResource>;
}

export const FAST_KINDS: readonly FastKind[] = [
  { def: workloadEndpointKind, fast: workloadEndpointFastPath },
  { def: networkPolicyKind, fast: networkPolicyFastPath },
  { def: globalNetworkPolicyKind, fast: globalNetworkPolicyFastPath },
  { def: profileKind, fast: profileFastPath },
  { def: kubernetesNetworkPolicyKind, fast: kubernetesNetworkPolicyFastPath },
] as readonly FastKind[];

export const [WEP, NETWORK_POLICY, GLOBAL_NETWORK_POLICY, PROFILE, KUBERNETES_NETWORK_POLICY] = FAST_KINDS as readonly [FastKind, FastKind, FastKind, FastKind, FastKind];

/** The fast path agrees with the full validation on `doc`; returns whether it decided alone. */
export function assertAgrees(doc: unknown, { def, fast: fastPath }: FastKind): boolean {
  const full = validateFully(def, doc);
  const fast = fastPath(doc);
  if (fast !== NOT_FAST) {
    assert.ok(full.ok, `fast path accepted what validation rejects: ${JSON.stringify(doc)}\n${JSON.stringify(full)}`);
    assert.deepStrictEqual(fast, full.value);
    assert.equal(JSON.stringify(fast), JSON.stringify(full.value), 'same key order');
  }
  assert.deepStrictEqual(def.validate(doc), full);
  return fast !== NOT_FAST;
}

/** A WorkloadEndpoint as the CNI plugin writes it for a Kubernetes pod. */
export function cniEndpoint(): Record<string, unknown> {
  return {
    apiVersion: V3,
    kind: 'WorkloadEndpoint',
    metadata: {
      name: 'node1-k8s-web--0-eth0',
      namespace: 'prod',
      labels: { app: 'web', 'projectcalico.org/namespace': 'prod', 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': 'web' },
      resourceVersion: '42',
      uid: '5d8cfad2-09f6-48ae-93d4-8a14a0e5c6c1',
      creationTimestamp: '2026-11-25T17:01:41Z',
    },
    spec: {
      orchestrator: 'k8s',
      node: 'node1',
      pod: 'web-0',
      endpoint: 'eth0',
      containerID: 'a1b2c3',
      ipNetworks: ['10.65.0.3/32', 'fd00:10:65::3/128'],
      profiles: ['kns.prod', 'ksa.prod.web'],
      interfaceName: 'cali1234567890a',
      mac: 'ca:fe:1d:52:bb:e9',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      serviceAccountName: 'web',
    },
  };
}


// Each field is mostly valid, sometimes not (wrong type, bad syntax, out of range, unusual), and sometimes absent.
export const some = <T>(valid: readonly T[], invalid: readonly unknown[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 40 }, { arbitrary: fc.constantFrom(...invalid), weight: 1 });
export const resourceName = some(['node1', 'k8s', 'a.b-c', '', 'x'], ['Node1', '-a', 'a..b', 'a_b', 7, null, 'x'.repeat(254)]);
export const labelKey = some(['app', 'projectcalico.org/namespace', 'x.y/z', 'k'.repeat(63)], ['/x', 'a/b/c', 'Bad_', '_a', 'k'.repeat(64), 'A.B/c', '__proto__', '']);
export const labelValue = some(['', 'web', 'v1.2', 'A_b'], ['-bad', 'x'.repeat(64), 'a b', 3]);
export const list = <T>(item: fc.Arbitrary<T>) => some([[]], ['10.0.0.1/32', null, {}]).chain((bad) => fc.oneof({ arbitrary: fc.array(item, { maxLength: 3 }), weight: 12 }, { arbitrary: fc.constant(bad), weight: 1 }));
/** Fields the fast path leaves to the full validation, present now and then. */
export const rarely = <T extends object>(fields: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant({}), weight: 6 }, { arbitrary: fields, weight: 1 });
export const withRare = <A extends object, B extends object>(common: fc.Arbitrary<A>, rare: fc.Arbitrary<B>) =>
  fc.tuple(common, rarely(rare)).map(([a, b]) => ({ ...a, ...b }));
