// The validation fast paths of the policy kinds and profiles agree with the
// full validation on generated documents, valid and invalid (see fast-path.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertAgrees, GLOBAL_NETWORK_POLICY, KUBERNETES_NETWORK_POLICY, labelKey, labelValue, list, NETWORK_POLICY, PROFILE, resourceName, some, V3, withRare, type FastKind } from './fast-path-helpers.js';

describe('validation fast path of policies and profiles', () => {
  const selector = some(['', "app == 'web'", 'has(tier)', "app in {'a','b'}", 'all()', "!has(x) && env != 'prod'"], ['app ==', 'global()', "global() && app == 'a'", 'x'.repeat(1025), '(', 7]);
  const ruleNet = some(['10.0.0.0/8', '192.168.1.0/24', 'fd00::/64', '0.0.0.0/0', '::/0'], ['10.0.0.1/8', '10.0.0.1', 'x', '10.0.0.0/33', 5]);
  const rulePort = some([80, 443, '8080', '1000:2000', 'http', 'metrics-9'], [0, '0', 65536, '2000:1000', 'a--b', 'HTTP_', 80.5, true]);
  const entity = withRare(
    fc.record(
      {
        nets: list(ruleNet),
        notNets: list(ruleNet),
        selector,
        notSelector: selector,
        namespaceSelector: fc.oneof({ arbitrary: selector, weight: 8 }, { arbitrary: fc.constantFrom('global()', ' global( ) '), weight: 1 }),
        ports: list(rulePort),
        notPorts: list(rulePort),
      },
      { requiredKeys: [] },
    ),
    fc.record(
      {
        serviceAccounts: fc.constantFrom({ names: ['a'] }, { selector: "app == 'x'" }),
        services: fc.constantFrom({ name: 'svc', namespace: 'ns' }, { name: '' }),
        bogus: fc.constant(1),
      },
      { requiredKeys: [] },
    ),
  );
  const rule = withRare(
    fc.record(
      {
        action: some(['Allow', 'Deny', 'Log', 'Pass'], ['allow', 'Drop', '', 1]),
        ipVersion: some([4, 6], [5, '4']),
        protocol: some(['TCP', 'UDP', 'SCTP'], ['ICMP', 'ICMPv6', 'tcp', 6, '17', 'UDPLite', 0, 256]),
        source: some([{}], [null, 'x']).chain((bad) => fc.oneof({ arbitrary: entity, weight: 12 }, { arbitrary: fc.constant(bad), weight: 1 })),
        destination: some([{}], [null, 'x']).chain((bad) => fc.oneof({ arbitrary: entity, weight: 12 }, { arbitrary: fc.constant(bad), weight: 1 })),
      },
      { requiredKeys: ['action'] },
    ),
    fc.record(
      {
        notProtocol: fc.constantFrom('TCP', 'ICMP'),
        icmp: fc.constantFrom({ type: 8 }, { code: 1 }),
        http: fc.constantFrom({ methods: ['GET'] }),
        metadata: fc.constantFrom({ annotations: { a: 'b' } }),
      },
      { requiredKeys: [] },
    ),
  );
  const rules = list(rule);
  const policyFields = {
    tier: resourceName,
    order: some([0, 100, 1.5, -3], ['1', null]),
    ingress: rules,
    egress: rules,
    selector,
    types: some([['Ingress'], ['Egress'], ['Ingress', 'Egress'], []], [['Ingress', 'Ingress'], ['ingress'], ['Ingress', 'Egress', 'Ingress'], 'Ingress']),
    serviceAccountSelector: selector,
  };
  const policyName = some(['allow-web', 'a.b', 'x'], ['A', 'a.b.c', 'a_b', '', 'knp.default.x']);
  const envelope = (kind: string, meta: fc.Arbitrary<object>, spec: fc.Arbitrary<object>) =>
    fc.record({
      apiVersion: some([V3], ['v1']),
      kind: some([kind], ['NetworkSet']),
      metadata: meta,
      spec: some([{}], [null, 'x']).chain((bad) => fc.oneof({ arbitrary: spec, weight: 12 }, { arbitrary: fc.constant(bad), weight: 1 })),
    });
  const namespaced = fc.record({ name: policyName, namespace: some(['default', ''], ['A']) }, { requiredKeys: ['name'] });
  const clusterScoped = fc.record({ name: policyName, namespace: some([''], ['default']) }, { requiredKeys: ['name'] });
  const generated: [string, fc.Arbitrary<object>, FastKind][] = [
    ['NetworkPolicy', envelope('NetworkPolicy', namespaced, withRare(fc.record(policyFields, { requiredKeys: [] }), fc.record({ performanceHints: fc.constant(['AssumeNeededOnEveryNode']), namespaceSelector: selector }, { requiredKeys: [] }))), NETWORK_POLICY],
    [
      'GlobalNetworkPolicy',
      envelope(
        'GlobalNetworkPolicy',
        clusterScoped,
        withRare(
          fc.record({ ...policyFields, namespaceSelector: selector, doNotTrack: some([false, true], ['true']), preDNAT: some([false, true], [1]), applyOnForward: some([false, true], ['x']) }, { requiredKeys: [] }),
          fc.record({ performanceHints: fc.constant(['AssumeNeededOnEveryNode']), bogus: fc.constant(1) }, { requiredKeys: [] }),
        ),
      ),
      GLOBAL_NETWORK_POLICY,
    ],
    [
      'Profile',
      envelope(
        'Profile',
        fc.record({ name: some(['kns.default', 'ksa.ns.sa'], ['Kns', '']) }),
        fc.record({ ingress: rules, egress: rules, labelsToApply: fc.dictionary(labelKey.filter((k): k is string => typeof k === 'string'), labelValue) }, { requiredKeys: [] }),
      ),
      PROFILE,
    ],
  ];
  const k8sSelector = withRare(
    fc.record(
      {
        matchLabels: fc.dictionary(labelKey.filter((k): k is string => typeof k === 'string'), labelValue),
        matchExpressions: list(
          fc.record(
            {
              key: labelKey,
              operator: some(['In', 'NotIn', 'Exists', 'DoesNotExist'], ['in', 'Equals', 1]),
              values: list(labelValue),
            },
            { requiredKeys: ['key', 'operator'] },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
    fc.record({ bogus: fc.constant(1) }),
  );
  const ipBlock = fc.record(
    { cidr: some(['10.0.0.0/8', '192.168.0.0/16', 'fd00::/64'], ['', '10.0.0.1', 'x', '10.0.0.0/33']), except: list(some(['10.1.0.0/16', '10.0.0.0/8', '192.168.1.0/24'], ['x', '10.1.0.0'])) },
    { requiredKeys: ['cidr'] },
  );
  const peer = fc.record({ podSelector: k8sSelector, namespaceSelector: k8sSelector, ipBlock }, { requiredKeys: [] });
  const k8sPort = withRare(
    fc.record(
      {
        protocol: some(['TCP', 'UDP', 'SCTP'], ['tcp', 'ICMP', 6]),
        port: some([80, 443, 65535, 'http', 'metrics-9'], [0, 65536, 80.5, 'a--b', '80', Number.MAX_SAFE_INTEGER + 1, -0]),
        endPort: some([1000, 65535], [79, 70000, 1.5]),
      },
      { requiredKeys: [] },
    ),
    fc.record({ bogus: fc.constant(1) }),
  );
  const k8sPolicy = fc.record({
    apiVersion: some(['networking.k8s.io/v1'], [V3]),
    kind: some(['NetworkPolicy'], ['NetworkPolicies']),
    metadata: namespaced,
    spec: fc.record(
      {
        podSelector: k8sSelector,
        ingress: list(fc.record({ from: list(peer), ports: list(k8sPort) }, { requiredKeys: [] })),
        egress: list(fc.record({ to: list(peer), ports: list(k8sPort) }, { requiredKeys: [] })),
        policyTypes: some([['Ingress'], ['Egress'], ['Ingress', 'Egress'], [], ['Ingress', 'Ingress']], [['Ingress', 'Egress', 'Ingress'], ['ingress']]),
      },
      { requiredKeys: [] },
    ),
  });
  generated.push(['Kubernetes NetworkPolicy', k8sPolicy, KUBERNETES_NETWORK_POLICY]);

  for (const [kind, arbitrary, fastKind] of generated) {
    it(`agrees with the full validation on generated ${kind}s, valid and invalid`, () => {
      let fast = 0;
      let full = 0;
      fc.assert(
        fc.property(arbitrary, (doc) => {
          if (assertAgrees(doc, fastKind)) fast++;
          else full++;
        }),
        { numRuns: 1500 },
      );
      assert.ok(fast > 100 && full > 100, `fast ${fast}, full ${full}`);
    });
  }
});
