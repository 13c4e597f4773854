import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  convertKubernetesNetworkPolicy,
  convertStagedKubernetesNetworkPolicy,
  k8sSelectorToCalico,
  simplifyPorts,
} from '../../src/api/k8s-convert.js';
import { formatPort, parsePort, type ParsedPort } from '../../src/api/rule.js';
import { networkPolicyKind } from '../../src/api/kinds/network-policy.js';
import type { K8sNetworkPolicySpec, KubernetesNetworkPolicy } from '../../src/api/k8s-types.js';
import type { NetworkPolicySpec, Rule } from '../../src/api/policy-types.js';

const ORCH = "projectcalico.org/orchestrator == 'k8s'";

function knp(spec: Partial<K8sNetworkPolicySpec>, name = 'allow-web', namespace = 'prod'): KubernetesNetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, uid: 'abc', resourceVersion: '7', labels: { a: 'b' } },
    spec: { podSelector: {}, ...spec },
  };
}

function specOf(spec: Partial<K8sNetworkPolicySpec>): NetworkPolicySpec {
  return convertKubernetesNetworkPolicy(knp(spec)).policy.spec;
}

const base = { order: 1000, tier: 'default' } as const;

describe('the worked example of the spec (prod/allow-web)', () => {
  const { policy, warnings } = convertKubernetesNetworkPolicy(
    knp({
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'fe' } } }], ports: [{ port: 80 }, { port: 81 }] }],
      policyTypes: ['Ingress'],
    }),
  );

  it('becomes knp.default.allow-web in prod, with metadata reduced to name and namespace', () => {
    assert.deepEqual(policy.metadata, { name: 'knp.default.allow-web', namespace: 'prod' });
    assert.equal(policy.apiVersion, 'projectcalico.org/v3');
    assert.equal(policy.kind, 'NetworkPolicy');
  });

  it('has the spec the spec gives', () => {
    assert.deepEqual(policy.spec, {
      ...base,
      selector: `${ORCH} && app == 'web'`,
      types: ['Ingress'],
      ingress: [
        {
          action: 'Allow',
          protocol: 'TCP',
          source: { selector: `${ORCH} && role == 'fe'` },
          destination: { ports: ['80:81'] },
        },
      ],
    });
    assert.deepEqual(warnings, []);
  });

  it('is a valid Calico NetworkPolicy', () => {
    const r = networkPolicyKind.validate(policy);
    assert.ok(r.ok, JSON.stringify(r));
  });
});

describe('k8s label selectors as Calico selectors', () => {
  const table: [string, Parameters<typeof k8sSelectorToCalico>[0], 'pod' | 'namespace', string][] = [
    ['absent pod selector', undefined, 'pod', ORCH],
    ['empty pod selector', {}, 'pod', ORCH],
    ['absent namespace selector (own namespace)', undefined, 'namespace', ''],
    ['empty namespace selector (all namespaces)', {}, 'namespace', 'all()'],
    ['matchLabels, sorted by key', { matchLabels: { tier: 'b', app: 'a' } }, 'pod', `${ORCH} && app == 'a' && tier == 'b'`],
    ['namespace matchLabels, no orchestrator clause', { matchLabels: { team: 'x' } }, 'namespace', "team == 'x'"],
    [
      'every matchExpressions operator, in order, after matchLabels',
      {
        matchLabels: { z: '1' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'staging'] },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'gpu', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      },
      'pod',
      `${ORCH} && z == '1' && env in { 'prod', 'staging' } && env not in { 'dev' } && has(gpu) && ! has(legacy)`,
    ],
  ];
  for (const [what, sel, kind, expected] of table) {
    it(what, () => assert.equal(k8sSelectorToCalico(sel, kind), expected));
  }
});

const ports = (...ps: (number | string)[]): ParsedPort[] =>
  ps.map((p) => {
    const r = parsePort(p);
    if ('errors' in r) throw new Error(String(p));
    return r;
  });

describe('SimplifyPorts', () => {
  const table: [(number | string)[], (number | string)[]][] = [
    [[80, 81, 82, 9090, 'foo'], ['foo', '80:82', 9090]],
    [[9090, 80], [80, 9090]],
    [[80, 80], [80]],
    [['foo', 80], ['foo', 80]],
    [[80], [80]],
    [['8000:8100', 8050, 8101], ['8000:8101']],
    [['1:3', '5:6', 4], ['1:6']],
  ];
  for (const [input, output] of table) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => {
      assert.deepEqual(simplifyPorts(ports(...input)).map(formatPort), output);
    });
  }
});

describe('k8s rules as Calico rules', () => {
  const table: [string, Partial<K8sNetworkPolicySpec>, Partial<NetworkPolicySpec>][] = [
    ['no rules: ingress-only, selecting every pod of the namespace', {}, { selector: ORCH, types: ['Ingress'] }],
    ['an empty ingress rule allows everything', { ingress: [{}] }, { selector: ORCH, types: ['Ingress'], ingress: [{ action: 'Allow' }] }],
    ['an empty ports list means any protocol', { ingress: [{ ports: [] }] }, { selector: ORCH, types: ['Ingress'], ingress: [{ action: 'Allow' }] }],
    [
      'namespaceSelector {} selects pods of all namespaces',
      { ingress: [{ from: [{ namespaceSelector: {} }] }] },
      { selector: ORCH, types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: ORCH, namespaceSelector: 'all()' } }] },
    ],
    [
      'pod and namespace selectors in one peer',
      { ingress: [{ from: [{ podSelector: { matchLabels: { role: 'db' } }, namespaceSelector: { matchLabels: { team: 'a' } } }] }] },
      { selector: ORCH, types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: `${ORCH} && role == 'db'`, namespaceSelector: "team == 'a'" } }] },
    ],
    [
      'an ipBlock, normalised to network addresses',
      { ingress: [{ from: [{ ipBlock: { cidr: '10.1.2.3/16', except: ['10.1.5.7/24', '10.1.6.0/24'] } }] }] },
      { selector: ORCH, types: ['Ingress'], ingress: [{ action: 'Allow', source: { nets: ['10.1.0.0/16'], notNets: ['10.1.5.0/24', '10.1.6.0/24'] } }] },
    ],
    [
      'an IPv6 ipBlock',
      { egress: [{ to: [{ ipBlock: { cidr: 'fd00::1/64' } }] }], policyTypes: ['Egress'] },
      { selector: ORCH, types: ['Egress'], egress: [{ action: 'Allow', destination: { nets: ['fd00::/64'] } }] },
    ],
    [
      'protocols grouped and emitted SCTP, TCP, UDP; TCP by default',
      { ingress: [{ ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }, { protocol: 'SCTP', port: 9 }, { port: 'http' }] }] },
      {
        selector: ORCH,
        types: ['Ingress'],
        ingress: [
          { action: 'Allow', protocol: 'SCTP', destination: { ports: [9] } },
          { action: 'Allow', protocol: 'TCP', destination: { ports: [80, 'http'] } },
          { action: 'Allow', protocol: 'UDP', destination: { ports: [53] } },
        ],
      },
    ],
    [
      'a port range from endPort',
      { ingress: [{ ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }] },
      { selector: ORCH, types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['32000:32768'] } }] },
    ],
    [
      'an entry without a port means every port of its protocol, and wins',
      { ingress: [{ ports: [{ port: 80 }, {}, { port: 443 }, { protocol: 'UDP' }, { protocol: 'UDP', port: 53 }] }] },
      {
        selector: ORCH,
        types: ['Ingress'],
        ingress: [
          { action: 'Allow', protocol: 'TCP' },
          { action: 'Allow', protocol: 'UDP' },
        ],
      },
    ],
    [
      'one rule per protocol and peer, protocol-major',
      {
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { a: '1' } } }, { ipBlock: { cidr: '10.0.0.0/8' } }],
            ports: [{ protocol: 'UDP', port: 53 }, { port: 53 }],
          },
        ],
      },
      {
        selector: ORCH,
        types: ['Ingress'],
        ingress: [
          { action: 'Allow', protocol: 'TCP', source: { selector: `${ORCH} && a == '1'` }, destination: { ports: [53] } },
          { action: 'Allow', protocol: 'TCP', source: { nets: ['10.0.0.0/8'] }, destination: { ports: [53] } },
          { action: 'Allow', protocol: 'UDP', source: { selector: `${ORCH} && a == '1'` }, destination: { ports: [53] } },
          { action: 'Allow', protocol: 'UDP', source: { nets: ['10.0.0.0/8'] }, destination: { ports: [53] } },
        ],
      },
    ],
    [
      'egress rules put peer and ports in the destination',
      { egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432 }] }], policyTypes: ['Ingress', 'Egress'] },
      {
        selector: ORCH,
        types: ['Ingress', 'Egress'],
        egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [5432], selector: `${ORCH} && app == 'db'` } }],
      },
    ],
    ['policyTypes in Calico order whatever their order', { policyTypes: ['Egress', 'Ingress'] }, { selector: ORCH, types: ['Ingress', 'Egress'] }],
  ];
  for (const [what, spec, expected] of table) {
    it(what, () => {
      assert.deepEqual(specOf(spec), { ...base, ...expected });
    });
  }
});

describe('conversion problems', () => {
  it('keeps egress rules of a policy without policyTypes, inert, and says so', () => {
    const { policy, warnings } = convertKubernetesNetworkPolicy(knp({ egress: [{}] }));
    assert.deepEqual(policy.spec.types, ['Ingress']);
    assert.deepEqual(policy.spec.egress, [{ action: 'Allow' }]);
    assert.deepEqual(warnings, ["K8s PolicyTypes don't include 'egress', but NetworkPolicy has egress rules."]);
  });

  it('drops only the rule whose port cannot be parsed', () => {
    const { policy, warnings, ruleErrors } = convertKubernetesNetworkPolicy(
      knp({ ingress: [{ ports: [{ port: 'http', endPort: 90 }] }, { ports: [{ port: 443 }] }] }),
    );
    assert.deepEqual(policy.spec.ingress, [{ action: 'Allow', protocol: 'TCP', destination: { ports: [443] } }]);
    const expected = "ingress rule 0 dropped: k8s rule couldn't be converted: failed to parse k8s port: invalid port http:90: invalid name for named port (http:90)";
    assert.deepEqual(warnings, [expected]);
    assert.deepEqual(ruleErrors, [expected]);
  });

  it('leaves a peer with an unparseable ipBlock unconstrained, as upstream does', () => {
    const { policy, warnings } = convertKubernetesNetworkPolicy(knp({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0' } }] }] }));
    assert.deepEqual(policy.spec.ingress, [{ action: 'Allow' }]);
    assert.equal(warnings.length, 1);
  });
});

describe('StagedKubernetesNetworkPolicy conversion', () => {
  it('converts like the enforced kind and keeps the staged action', () => {
    const { policy } = convertStagedKubernetesNetworkPolicy({
      metadata: { name: 'try', namespace: 'dev' },
      spec: { stagedAction: 'Set', podSelector: { matchLabels: { app: 'x' } }, ingress: [{}] },
    });
    assert.equal(policy.kind, 'StagedNetworkPolicy');
    assert.deepEqual(policy.metadata, { name: 'knp.default.try', namespace: 'dev' });
    const expectedIngress: Rule[] = [{ action: 'Allow' }];
    assert.deepEqual(policy.spec, { stagedAction: 'Set', ...base, selector: `${ORCH} && app == 'x'`, types: ['Ingress'], ingress: expectedIngress });
  });
});
