// The Kubernetes network-policy e2e truth tables (k8s-scenarios.ts), computed
// by the policy model from the converted policies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPolicyModel, type Flow } from '../../src/policy/index.js';
import {
  clusterResources,
  formatTruthTable,
  parseTruthTable,
  PODS,
  PROBES,
  SCENARIOS,
  type PodId,
  type Probe,
} from './k8s-scenarios.js';

function flow(from: PodId, to: PodId, probe: Probe): Flow {
  const [protocol, port] = probe.split('/') as [string, string];
  const ref = (id: PodId) => {
    const [namespace, name] = id.split('/') as [string, string];
    return { endpoint: { kind: 'WorkloadEndpoint' as const, namespace, name } };
  };
  return { source: ref(from), destination: ref(to), protocol, srcPort: 33333, dstPort: Number(port) };
}

describe('Kubernetes NetworkPolicy e2e scenarios (namespaces x, y, z; pods a, b, c)', () => {
  for (const s of SCENARIOS) {
    describe(s.name, () => {
      const model = buildPolicyModel([...clusterResources(), ...s.policies]);
      it('converts every policy without warnings', () => assert.deepEqual(model.warnings, []));
      for (const probe of PROBES) {
        it(`matches the ${probe} truth table`, () => {
          const expected = parseTruthTable(s.expected[probe] ?? s.expected['TCP/80']);
          const actual = (from: PodId, to: PodId) => model.evaluate(flow(from, to, probe)).action === 'allow';
          const wrong = PODS.flatMap((from) =>
            PODS.filter((to) => actual(from, to) !== expected.get(from)?.get(to)).map((to) => `${from}→${to}`),
          );
          assert.deepEqual(wrong, [], `model's ${probe} table:\n${formatTruthTable(actual)}`);
        });
      }
    });
  }
});

describe('truth tables', () => {
  it('reject a table whose header is not the nine pods in order', () => {
    assert.throws(() => parseTruthTable('x/a x/b\nx/a . .'), /header/);
  });
  it('reject a cell other than . or X', () => {
    const bad = ['- ' + PODS.join(' '), ...PODS.map((p) => `${p} ${PODS.map(() => '?').join(' ')}`)].join('\n');
    assert.throws(() => parseTruthTable(bad), /bad cell/);
  });
});

describe('Kubernetes policy inputs beyond the e2e tables', () => {
  const xa = { endpoint: { kind: 'WorkloadEndpoint' as const, namespace: 'x', name: 'a' } };
  const yb = { endpoint: { kind: 'WorkloadEndpoint' as const, namespace: 'y', name: 'b' } };
  it('a StagedKubernetesNetworkPolicy is listed as staged and never decides', () => {
    const staged = {
      apiVersion: 'projectcalico.org/v3' as const,
      kind: 'StagedKubernetesNetworkPolicy' as const,
      metadata: { name: 'lockdown', namespace: 'x' },
      spec: { podSelector: {}, policyTypes: ['Ingress' as const] },
    };
    const model = buildPolicyModel([...clusterResources(), staged]);
    assert.deepEqual(model.policies().map((p) => [p.id.name, p.staged]), [['lockdown', true]]);
    assert.equal(model.evaluate({ source: yb, destination: xa, protocol: 'TCP', dstPort: 80 }).action, 'allow');
  });
  it('a rule the converter drops is reported, and the rest of the policy stands', () => {
    const np = {
      apiVersion: 'networking.k8s.io/v1' as const,
      kind: 'NetworkPolicy' as const,
      metadata: { name: 'odd', namespace: 'x' },
      spec: { podSelector: {}, policyTypes: ['Ingress' as const], ingress: [{ ports: [{ port: 80, endPort: 70 }] }] },
    };
    const model = buildPolicyModel([...clusterResources(), np]);
    assert.deepEqual(model.warnings.map((w) => w.resource), ['KubernetesNetworkPolicy(x/odd)']);
    assert.match(model.warnings[0]?.message ?? '', /ingress rule 0 dropped/);
    assert.equal(model.evaluate({ source: yb, destination: xa, protocol: 'TCP', dstPort: 80 }).action, 'deny');
  });
});
