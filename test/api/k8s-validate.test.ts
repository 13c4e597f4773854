import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesNetworkPolicyKind } from '../../src/api/kinds/kubernetes-network-policy.js';
import { stagedKubernetesNetworkPolicyKind } from '../../src/api/kinds/staged-kubernetes-network-policy.js';

type Expected = readonly (readonly [string, string | RegExp])[];

function errors(spec: unknown): [string, string][] {
  const r = kubernetesNetworkPolicyKind.validate({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'k', namespace: 'n' }, spec });
  return r.ok ? [] : r.errors.map((e) => [e.path, e.message]);
}

function stagedErrors(spec: unknown): [string, string][] {
  const r = stagedKubernetesNetworkPolicyKind.validate({ apiVersion: 'projectcalico.org/v3', kind: 'StagedKubernetesNetworkPolicy', metadata: { name: 'k', namespace: 'n' }, spec });
  return r.ok ? [] : r.errors.map((e) => [e.path, e.message]);
}

function assertErrors(actual: readonly (readonly [string, string])[], expected: Expected): void {
  assert.equal(actual.length, expected.length, `got ${JSON.stringify(actual)}`);
  for (const [path, msg] of expected) {
    assert.ok(
      actual.some(([p, m]) => p === path && (typeof msg === 'string' ? m === msg : msg.test(m))),
      `missing ${path}: ${String(msg)} in ${JSON.stringify(actual)}`,
    );
  }
}

describe('Kubernetes NetworkPolicy validation', () => {
  it('accepts the Kubernetes documentation example', () => {
    const spec = {
      podSelector: { matchLabels: { role: 'db' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
            { namespaceSelector: { matchLabels: { project: 'myproject' } } },
            { podSelector: { matchLabels: { role: 'frontend' } } },
          ],
          ports: [{ protocol: 'TCP', port: 6379 }],
        },
      ],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
    };
    assert.deepEqual(errors(spec), []);
  });

  it('fills in an absent podSelector as the empty one', () => {
    const r = kubernetesNetworkPolicyKind.validate({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'k' }, spec: {} });
    assert.ok(r.ok);
    assert.deepEqual(r.value.spec.podSelector, {});
  });

  const invalid: [string, unknown, Expected][] = [
    ['a protocol other than TCP, UDP, SCTP', { ingress: [{ ports: [{ protocol: 'ICMP' }] }] }, [['spec.ingress[0].ports[0].protocol', /supported values/]]],
    ['port 0', { ingress: [{ ports: [{ port: 0 }] }] }, [['spec.ingress[0].ports[0].port', 'must be between 1 and 65535, inclusive']]],
    ['an endPort below port', { ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, [['spec.ingress[0].ports[0].endPort', 'must be greater than or equal to `port`']]],
    ['an endPort with a named port', { ingress: [{ ports: [{ port: 'http', endPort: 80 }] }] }, [['spec.ingress[0].ports[0].endPort', 'may not be specified when `port` is non-numeric']]],
    ['an endPort without a port', { egress: [{ ports: [{ endPort: 80 }] }] }, [['spec.egress[0].ports[0].endPort', 'may not be specified when `port` is not specified']]],
    ['a port name of digits', { ingress: [{ ports: [{ port: '80' }] }] }, [['spec.ingress[0].ports[0].port', 'must contain at least one letter (a-z)']]],
    ['an empty peer', { ingress: [{ from: [{}] }] }, [['spec.ingress[0].from[0]', 'must specify a peer']]],
    ['ipBlock with a selector', { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }, [['spec.ingress[0].from[0]', 'may not specify both ipBlock and another peer']]],
    ['a bad ipBlock cidr', { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0' } }] }] }, [['spec.egress[0].to[0].ipBlock.cidr', 'not a valid CIDR']]],
    ['an except outside the cidr', { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16', '10.0.0.0/8'] } }] }] }, [
      ['spec.egress[0].to[0].ipBlock.except[0]', 'must be a strict subset of `cidr`'],
      ['spec.egress[0].to[0].ipBlock.except[1]', 'must be a strict subset of `cidr`'],
    ]],
    ['In without values', { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, [['spec.podSelector.matchExpressions[0].values', "must be specified when `operator` is 'In' or 'NotIn'"]]],
    ['Exists with values', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } }, [['spec.podSelector.matchExpressions[0].values', "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]]],
    ['an unknown operator', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] } }, [['spec.podSelector.matchExpressions[0].operator', /supported values/]]],
    ['three policyTypes', { policyTypes: ['Ingress', 'Egress', 'Ingress'] }, [['spec.policyTypes', 'may not specify more than two policyTypes']]],
  ];
  for (const [what, spec, expected] of invalid) {
    it(`rejects ${what}`, () => assertErrors(errors(spec), expected));
  }
});

describe('StagedKubernetesNetworkPolicy validation', () => {
  it('accepts a staged Delete with an empty podSelector', () => {
    assert.deepEqual(stagedErrors({ stagedAction: 'Delete', podSelector: {} }), []);
  });

  it('rejects a staged Delete that carries rules', () => {
    assertErrors(stagedErrors({ stagedAction: 'Delete', podSelector: { matchLabels: { a: 'b' } }, ingress: [{}] }), [
      ['spec', 'Spec fields should all be zero-value if stagedAction is Delete'],
    ]);
  });

  it('validates the Kubernetes spec of a staged Set, and reports a rule Calico cannot convert', () => {
    assertErrors(stagedErrors({ stagedAction: 'Set', podSelector: {}, ingress: [{ ports: [{ port: 70000 }] }] }), [
      ['spec.ingress[0].ports[0].port', 'must be between 1 and 65535, inclusive'],
      [
        'spec',
        "conversion to stagednetworkpolicy failed: ingress rule 0 dropped: k8s rule couldn't be converted: failed to parse k8s port: invalid port 70000: invalid port format (70000)",
      ],
    ]);
  });
});
