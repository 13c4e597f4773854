import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertErrors, kindOf, loadDocs, POLICY_KINDS, type ExpectedErrors as Expected } from '../fixtures/policy/kinds.js';
import { networkPolicyKind } from '../../src/api/kinds/network-policy.js';
import { globalNetworkPolicyKind } from '../../src/api/kinds/global-network-policy.js';
import { stagedNetworkPolicyKind } from '../../src/api/kinds/staged-network-policy.js';
import { tierKind } from '../../src/api/kinds/tier.js';
import { hostEndpointKind } from '../../src/api/kinds/host-endpoint.js';
import { networkSetKind } from '../../src/api/kinds/network-set.js';

function errorsOf(doc: unknown): [string, string][] {
  const r = kindOf(doc).validate(doc);
  return r.ok ? [] : r.errors.map((e) => [e.path, e.message]);
}

const POLICY_NAME = "name must consist of lower case alphanumeric characters or '-' (regex: [a-z0-9]([-a-z0-9]*[a-z0-9])?)";
const NOT_NAMESPACED = 'namespace should not be specified for a non-namespaced resource';
const STAGED_DELETE = 'Spec fields, except Tier, should all be zero-value if stagedAction is Delete';
const SUBDOMAIN = 'must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".", at most 253 characters)';

// Each fixture document and every error Calico reports for it.
const cases: [string, Expected[]][] = [
  [
    'invalid/network-policy.yaml',
    [
      [
        ['metadata.name', POLICY_NAME],
        ['spec.tier', SUBDOMAIN],
        ['spec.order', 'cannot unmarshal string into Go value of type float64'],
        ['spec.selector', 'global() can only be used in an EntityRule namespaceSelector'],
        ['spec.serviceAccountSelector', /^invalid selector: /],
        ['spec.types', 'must have at most 2 items'],
        ['spec.types', "'Ingress' type specified more than once"],
        ['spec.performanceHints[1]', /duplicate/],
        ['spec.priority', 'unknown field "priority"'],
      ],
    ],
  ],
  [
    'invalid/global-network-policy.yaml',
    [
      [
        ['metadata.name', POLICY_NAME],
        ['metadata.namespace', NOT_NAMESPACED],
        ['spec.namespaceSelector', 'global() can only be used in an EntityRule namespaceSelector'],
        ['spec.ingress[0].source.services.namespace', 'must specify a namespace'],
        ['spec.preDNAT', 'preDNAT and doNotTrack cannot both be true'],
        ['spec.egress', 'preDNAT policy cannot have any egress rules'],
        ['spec.types', "preDNAT policy cannot have 'Egress' type"],
        ['spec.applyOnForward', 'applyOnForward must be true if either preDNAT or doNotTrack is true'],
      ],
    ],
  ],
  ['invalid/staged-network-policy.yaml', [[['spec', STAGED_DELETE]], [['spec.stagedAction', /Set.*Delete.*Learn.*Ignore/]]]],
  [
    'invalid/staged-global-network-policy.yaml',
    [
      [
        ['spec', STAGED_DELETE],
        ['spec.applyOnForward', 'applyOnForward must be true if either preDNAT or doNotTrack is true'],
      ],
    ],
  ],
  [
    'invalid/tier.yaml',
    [
      [
        ['metadata.name', POLICY_NAME],
        ['spec.defaultAction', /Deny.*Pass/],
      ],
      [
        ['spec.defaultAction', "The 'default' tier must have default action 'Deny'"],
        ['spec.order', 'default tier order must be 1000000'],
      ],
      [
        ['spec.defaultAction', "The 'kube-baseline' tier must have default action 'Pass'"],
        ['spec.order', 'kube-baseline tier order must be 10000000'],
      ],
    ],
  ],
  [
    'invalid/network-set.yaml',
    [
      [
        ['metadata.labels.projectcalico.org/namespace', 'projectcalico.org/namespace is not a valid label name'],
        ['spec.nets[1]', 'must be a CIDR or an IP address'],
      ],
      [
        ['metadata.namespace', NOT_NAMESPACED],
        ['spec.nets[0]', 'must be a CIDR or an IP address'],
      ],
    ],
  ],
  [
    'invalid/host-endpoint.yaml',
    [
      [
        ['spec.node', 'node must be specified'],
        ['spec', 'at least one of interfaceName or expectedIPs must be specified'],
        ['spec.profiles[0]', SUBDOMAIN],
        ['spec.ports[0].protocol', 'EndpointPort protocol does not support ports.'],
        ['spec.ports[1].name', 'invalid port name: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
        ['spec.ports[1].port', 'should be greater than or equal to 1'],
      ],
      [
        ['spec.interfaceName', 'must be "*" or an interface name matching ^[a-zA-Z0-9_.-]{1,15}$'],
        ['spec.expectedIPs[0]', 'must be an IP address'],
      ],
    ],
  ],
  [
    'invalid/workload-endpoint.yaml',
    [
      [
        ['spec.ipNetworks[0]', 'IP network contains multiple addresses'],
        ['spec.ipNATs[0].externalIP', 'mismatched IP versions'],
        ['spec.interfaceName', 'required field is missing'],
        ['spec.mac', 'must be a MAC address'],
        ['spec.ports[0].name', 'WorkloadEndpointPort name must not be empty if no HostPort is specified'],
      ],
    ],
  ],
  [
    'invalid/profile.yaml',
    [
      [
        ['spec.labelsToApply.-bad-key', /^label key: name part must consist of alphanumeric characters/],
        ['spec.ingress[0].icmp.code', 'ICMP code specified without an ICMP type'],
      ],
    ],
  ],
];

describe('invalid manifests: every error, at its field', () => {
  for (const [file, expectations] of cases) {
    it(file, () => {
      const docs = loadDocs(file);
      assert.equal(docs.length, expectations.length);
      docs.forEach((doc, i) => assertErrors(errorsOf(doc), expectations[i] ?? []));
    });
  }
});

const np = (name: string) => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace: 'n' }, spec: {} });
const gnp = (name: string) => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec: {} });
const tier = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name }, spec });

describe('policy names', () => {
  const table: [string, unknown, boolean][] = [
    ['a one-label NetworkPolicy name', np('allow-web'), true],
    ['a two-label NetworkPolicy name', np('security.allow-web'), true],
    ['a three-label NetworkPolicy name', np('a.b.c'), false],
    ['a converted k8s policy name', np('knp.default.allow.web.x'), true],
    ['an OpenStack security group name', np('ossg.default.sg-1.x'), true],
    ['an upper-case NetworkPolicy name', np('Allow'), false],
    ['a two-label GlobalNetworkPolicy name', gnp('security.allow-web'), true],
    ['a knp.default GlobalNetworkPolicy name', gnp('knp.default.x'), false],
  ];
  for (const [what, doc, valid] of table) {
    it(`${valid ? 'accepts' : 'rejects'} ${what}`, () => assert.equal(errorsOf(doc).length === 0, valid, JSON.stringify(errorsOf(doc))));
  }

  it('reports an over-long name by how much it is too long', () => {
    assert.ok(errorsOf(np('a'.repeat(254))).some(([p, m]) => p === 'metadata.name' && m === 'name is too long by 1 bytes'));
  });
});

describe('tiers', () => {
  it('accepts the built-in tiers as Calico creates them', () => {
    assert.deepEqual(errorsOf(tier('default', { order: 1_000_000, defaultAction: 'Deny' })), []);
    assert.deepEqual(errorsOf(tier('kube-admin', { order: 1000, defaultAction: 'Pass' })), []);
    assert.deepEqual(errorsOf(tier('kube-baseline', { order: 10_000_000, defaultAction: 'Pass' })), []);
  });

  it('checks a built-in tier as the client does, after defaulting order and action', () => {
    assert.deepEqual(errorsOf(tier('default')), []);
    assertErrors(errorsOf(tier('kube-admin')), [
      ['spec.defaultAction', "The 'kube-admin' tier must have default action 'Pass'"],
      ['spec.order', 'kube-admin tier order must be 1000'],
    ]);
  });

  it('limits tier names to 63 characters', () => {
    assertErrors(errorsOf(tier('t'.repeat(64))), [['metadata.name', 'name is too long by 1 bytes']]);
  });

  it('accepts a status with conditions, as read back from the datastore', () => {
    const doc = { ...tier('net-sec', { order: 100 }), status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready' }] } };
    const r = tierKind.validate(doc);
    assert.ok(r.ok);
    assert.deepEqual(r.value, doc);
  });
});

describe('staged policies', () => {
  const staged = (spec: Record<string, unknown>) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'StagedNetworkPolicy',
    metadata: { name: 's', namespace: 'n' },
    spec,
  });

  it('accepts a Delete that names only its tier (and types, which the client clears)', () => {
    assert.deepEqual(errorsOf(staged({ stagedAction: 'Delete', tier: 'security', types: ['Ingress'] })), []);
  });

  it('counts an empty but present rule list as set under Delete', () => {
    assertErrors(errorsOf(staged({ stagedAction: 'Delete', ingress: [] })), [['spec', STAGED_DELETE]]);
  });

  it('validates a staged Set like its enforced twin', () => {
    assertErrors(errorsOf(staged({ stagedAction: 'Set', types: ['Egress', 'Egress'] })), [['spec.types', "'Egress' type specified more than once"]]);
  });

  it('accepts an empty stagedAction, as Go decodes an absent one', () => {
    assert.ok(stagedNetworkPolicyKind.validate(staged({ stagedAction: '' })).ok);
  });
});

describe('endpoints and sets', () => {
  it('accepts bare IPs and unmasked CIDRs in a network set, unlike in rules', () => {
    const doc = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name: 's', namespace: 'n' }, spec: { nets: ['10.0.0.1', '10.0.0.1/24', 'dead:beef::/96'] } };
    assert.ok(networkSetKind.validate(doc).ok);
  });

  it('accepts a wildcard host endpoint identified by expected IPs alone', () => {
    const doc = { apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: 'h' }, spec: { node: 'n1', expectedIPs: ['10.0.0.1', 'fd00::1'] } };
    assert.ok(hostEndpointKind.validate(doc).ok);
  });

  it('stores an endpoint port protocol given by number under its name', () => {
    const doc = { apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: 'h' }, spec: { node: 'n1', interfaceName: '*', ports: [{ name: 'web', port: 80, protocol: 6 }] } };
    const r = hostEndpointKind.validate(doc);
    assert.ok(r.ok);
    assert.equal(r.value.spec.ports?.[0]?.protocol, 'TCP');
  });
});

describe('the envelope', () => {
  it('rejects a document of another kind', () => {
    const r = networkPolicyKind.validate(gnp('x'));
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((e) => e.path), ['kind']);
  });

  it('treats a missing spec as an empty one', () => {
    const r = globalNetworkPolicyKind.validate({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'x' } });
    assert.ok(r.ok);
    assert.deepEqual(r.value.spec, {});
  });

  it('rejects unknown top-level fields', () => {
    assertErrors(errorsOf({ ...np('x'), extra: 1 }), [['extra', 'unknown field "extra"']]);
  });
});

describe('identity of the policy kinds', () => {
  const table: [string, string, boolean, string, string[]][] = [
    ['NetworkPolicy', 'projectcalico.org/v3', true, 'networkpolicies', ['networkpolicy', 'np', 'cnp']],
    ['GlobalNetworkPolicy', 'projectcalico.org/v3', false, 'globalnetworkpolicies', ['gnp']],
    ['StagedNetworkPolicy', 'projectcalico.org/v3', true, 'stagednetworkpolicies', ['snp']],
    ['StagedGlobalNetworkPolicy', 'projectcalico.org/v3', false, 'stagedglobalnetworkpolicies', ['sgnp']],
    ['StagedKubernetesNetworkPolicy', 'projectcalico.org/v3', true, 'stagedkubernetesnetworkpolicies', ['sknp']],
    ['Tier', 'projectcalico.org/v3', false, 'tiers', ['tier']],
    ['NetworkSet', 'projectcalico.org/v3', true, 'networksets', ['netset', 'netsets']],
    ['GlobalNetworkSet', 'projectcalico.org/v3', false, 'globalnetworksets', ['gns']],
    ['HostEndpoint', 'projectcalico.org/v3', false, 'hostendpoints', ['hep', 'heps']],
    ['WorkloadEndpoint', 'projectcalico.org/v3', true, 'workloadendpoints', ['wep', 'weps']],
    ['Profile', 'projectcalico.org/v3', false, 'profiles', ['profile', 'pro']],
    ['NetworkPolicy', 'networking.k8s.io/v1', true, 'networkpolicies', ['knp']],
  ];
  for (const [kind, apiVersion, namespaced, plural, aliases] of table) {
    it(`${apiVersion} ${kind}`, () => {
      const k = POLICY_KINDS.find((x) => x.kind === kind && x.apiVersion === apiVersion);
      assert.ok(k);
      assert.equal(k.namespaced, namespaced);
      assert.equal(k.plural, plural);
      for (const a of aliases) assert.ok(k.aliases.includes(a), a);
    });
  }
});
