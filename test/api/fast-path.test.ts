// The validation fast path (src/api/fast-path.ts) must never change a
// result: whatever it accepts the full schema validation accepts with exactly
// the same value (fields and key order), and whatever it is unsure of it
// leaves to that validation, so errors are the schemas' own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { NOT_FAST, type Fast } from '../../src/api/fast-path.js';
import { validateFully } from '../../src/api/infra-kind.js';
import type { KindDefinition } from '../../src/api/kind.js';
import { kindFor } from '../../src/api/kinds.js';
import { globalNetworkPolicyFastPath, globalNetworkPolicyKind } from '../../src/api/kinds/global-network-policy.js';
import { networkPolicyFastPath, networkPolicyKind } from '../../src/api/kinds/network-policy.js';
import { profileFastPath, profileKind } from '../../src/api/kinds/profile.js';
import { workloadEndpointFastPath, workloadEndpointKind } from '../../src/api/kinds/workload-endpoint.js';
import type { StoredResource } from '../../src/datastore/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const V3 = 'projectcalico.org/v3';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

/** Every YAML document under test/fixtures that parses. */
function fixtureDocs(): unknown[] {
  return yamlFiles(FIXTURES).flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8'))
      .filter((d) => d.errors.length === 0)
      .map((d) => d.toJS() as unknown),
  );
}

interface FastKind {
  readonly def: KindDefinition<StoredResource>;
  readonly fast: (doc: unknown) => Fast<StoredResource>;
}

const FAST_KINDS: readonly FastKind[] = [
  { def: workloadEndpointKind, fast: workloadEndpointFastPath },
  { def: networkPolicyKind, fast: networkPolicyFastPath },
  { def: globalNetworkPolicyKind, fast: globalNetworkPolicyFastPath },
  { def: profileKind, fast: profileFastPath },
] as readonly FastKind[];

const WEP: FastKind = FAST_KINDS[0] as FastKind;

/** The fast path agrees with the full validation on `doc`; returns whether it decided alone. */
function assertAgrees(doc: unknown, { def, fast: fastPath }: FastKind = WEP): boolean {
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
function cniEndpoint(): Record<string, unknown> {
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

describe('validation fast path', () => {
  it('decides a WorkloadEndpoint as the CNI plugin writes it, with the full validation\'s value', () => {
    assert.equal(assertAgrees(cniEndpoint()), true);
  });

  it('agrees with the full validation on every fixture document, of every kind', () => {
    const docs = fixtureDocs();
    assert.ok(docs.length > 50, `only ${docs.length} fixture documents`);
    for (const doc of docs) {
      for (const k of FAST_KINDS) assertAgrees(doc, k);
      const d = (doc ?? {}) as { apiVersion?: unknown; kind?: unknown };
      const def = typeof d.apiVersion === 'string' && typeof d.kind === 'string' ? kindFor(d.apiVersion, d.kind) : undefined;
      if (def !== undefined) assert.deepStrictEqual(def.validate(doc), validateFully(def, doc));
    }
  });

  // Each field is mostly valid, sometimes not (wrong type, bad syntax, out of range, unusual), and sometimes absent.
  const some = <T>(valid: readonly T[], invalid: readonly unknown[]) =>
    fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 40 }, { arbitrary: fc.constantFrom(...invalid), weight: 1 });
  const resourceName = some(['node1', 'k8s', 'a.b-c', '', 'x'], ['Node1', '-a', 'a..b', 'a_b', 7, null, 'x'.repeat(254)]);
  const labelKey = some(['app', 'projectcalico.org/namespace', 'x.y/z', 'k'.repeat(63)], ['/x', 'a/b/c', 'Bad_', '_a', 'k'.repeat(64), 'A.B/c', '__proto__', '']);
  const labelValue = some(['', 'web', 'v1.2', 'A_b'], ['-bad', 'x'.repeat(64), 'a b', 3]);
  const net = some(['10.0.0.1/32', '10.0.0.1', 'fd00::1/128', 'fd00::1', '::ffff:1.2.3.4'], ['10.0.0.0/24', '10.0.0.1/24', '::/0', '999.1.1.1/32', '', '01.2.3.4', 'x', 5]);
  const namedPort = {
    name: some(['http', 'h2c', 'metrics-9'], ['', 'a--b', 'HTTP', 'x'.repeat(16), '-a', '123', 8080]),
    protocol: some(['TCP', 'UDP', 'SCTP'], ['tcp', 'ICMP', 6, 17, '6', 'UDPLite', 1, 0, 300, 'sctp']),
    port: some([1, 80, 65535], [0, 65536, 80.5, '80', -1, Number.NaN]),
  };
  const port = fc.oneof(
    { arbitrary: fc.record(namedPort), weight: 6 },
    { arbitrary: fc.record({ ...namedPort, hostPort: fc.constantFrom(0, 8080, 70000), hostIP: fc.constantFrom('', '10.0.0.1', 'x', '10.0.0.0/24') }, { requiredKeys: ['port'] }), weight: 1 },
  );
  const list = <T>(item: fc.Arbitrary<T>) => some([[]], ['10.0.0.1/32', null, {}]).chain((bad) => fc.oneof({ arbitrary: fc.array(item, { maxLength: 3 }), weight: 12 }, { arbitrary: fc.constant(bad), weight: 1 }));
  /** Fields the fast path leaves to the full validation, present now and then. */
  const rarely = <T extends object>(fields: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant({}), weight: 6 }, { arbitrary: fields, weight: 1 });
  const withRare = <A extends object, B extends object>(common: fc.Arbitrary<A>, rare: fc.Arbitrary<B>) =>
    fc.tuple(common, rarely(rare)).map(([a, b]) => ({ ...a, ...b }));
  const spec = withRare(
    fc.record(
      {
        orchestrator: resourceName,
        workload: resourceName,
        node: resourceName,
        containerID: some(['', 'a1b2c3', 'A-1'], ['-a', 'a_b', 12]),
        pod: resourceName,
        endpoint: resourceName,
        serviceAccountName: resourceName,
        ipNetworks: list(net),
        ipv4Gateway: some(['169.254.1.1'], ['fd00::1', 'x', '']),
        ipv6Gateway: some(['fe80::1'], ['1.2.3.4', 'x']),
        profiles: list(resourceName),
        interfaceName: some(['cali0', '*', 'a.b_c-d', 'cali1234567890a'], ['cali1234567890ab', 'eth 0', '', 4]),
        mac: some(['', 'ca:fe:1d:52:bb:e9', 'CA-FE-1D-52-BB-E9', 'cafe.1d52.bbe9'], ['ca:fe:1d:52:bb', 'ca:fe-1d:52:bb:e9', 'x']),
        ports: list(port),
        allowSpoofedSourcePrefixes: list(some(['10.0.0.0/8', '1.2.3.4'], ['10.0.0.0/33', 'x'])),
      },
      { requiredKeys: ['interfaceName'] },
    ),
    fc.record(
      {
        ipNATs: fc.constantFrom([], [{ internalIP: '10.0.0.1', externalIP: '1.2.3.4' }], [{ internalIP: '10.9.9.9', externalIP: 'fd00::1' }]),
        qosControls: fc.constantFrom({}, { ingressBandwidth: 1000 }, { dscp: 64 }),
        bogus: fc.constant(true),
      },
      { requiredKeys: [] },
    ),
  );
  const metadata = withRare(
    fc.record(
      {
        name: some(['node1-k8s-pod-eth0', 'a', 'a.b-c'], ['', 'A-bad', 'x'.repeat(254), 'a..b', '-a', 'pod_1', 'ns/x', 3]),
        namespace: some(['', 'default', 'kube-system'], ['Default', 'a.b', 'x'.repeat(64), 1]),
        labels: some([{}], [null, [], 'app=web']).chain((bad) =>
          fc.oneof({ arbitrary: fc.dictionary(labelKey.filter((k): k is string => typeof k === 'string'), labelValue), weight: 12 }, { arbitrary: fc.constant(bad), weight: 1 }),
        ),
        annotations: fc.constantFrom({}, { 'kubernetes.io/psp': 'x' }, { 'Upper/Case': 'ok' }, { 'a b': 'x' }, { big: 'x'.repeat(256 * 1024) }),
        resourceVersion: some(['1', '42'], [42]),
        uid: some(['5d8c'], [7]),
        creationTimestamp: some(['2026-11-25T17:01:41Z'], [0]),
        generateName: some(['pod-'], [1]),
      },
      { requiredKeys: ['name'] },
    ),
    fc.record(
      {
        generation: fc.constantFrom(1, 1.5),
        finalizers: fc.constantFrom([], ['a'], [1]),
        ownerReferences: fc.constant([{ kind: 'Pod' }]),
        bogus: fc.constant('x'),
      },
      { requiredKeys: [] },
    ),
  );
  const endpoint = withRare(
    fc.record({
      apiVersion: some([V3], ['v1', 'projectcalico.org/v2']),
      kind: some(['WorkloadEndpoint'], ['HostEndpoint', 'workloadendpoint']),
      metadata: some([{}], [null, 'x']).chain((bad) => fc.oneof({ arbitrary: metadata, weight: 12 }, { arbitrary: fc.constant(bad), weight: 1 })),
      spec: some([{}], [null, 'x', []]).chain((bad) => fc.oneof({ arbitrary: spec, weight: 12 }, { arbitrary: fc.constant(bad), weight: 1 })),
    }),
    fc.record({ status: fc.constant({}) }),
  );

  it('agrees with the full validation on generated WorkloadEndpoints, valid and invalid', () => {
    let fast = 0;
    let full = 0;
    fc.assert(
      fc.property(endpoint, (doc) => {
        if (assertAgrees(doc)) fast++;
        else full++;
      }),
      { numRuns: 3000 },
    );
    // Both outcomes must have been exercised, or the property says nothing.
    assert.ok(fast > 300 && full > 300, `fast ${fast}, full ${full}`);
  });

  it('agrees on single-field variations of the CNI plugin\'s endpoint', () => {
    const variations: [string, (d: Record<string, unknown>) => void][] = [
      ['no metadata', (d) => delete d['metadata']],
      ['no spec', (d) => delete d['spec']],
      ['no interface name', (d) => delete (d['spec'] as Record<string, unknown>)['interfaceName']],
      ['no name', (d) => delete (d['metadata'] as Record<string, unknown>)['name']],
      ['a port without a name', (d) => ((d['spec'] as Record<string, unknown>)['ports'] = [{ protocol: 'TCP', port: 80 }])],
      ['a port with a host port', (d) => ((d['spec'] as Record<string, unknown>)['ports'] = [{ name: 'http', protocol: 'TCP', port: 80, hostPort: 8080 }])],
      ['a NAT', (d) => ((d['spec'] as Record<string, unknown>)['ipNATs'] = [{ internalIP: '10.65.0.3', externalIP: '1.2.3.4' }])],
      ['an undefined field', (d) => ((d['spec'] as Record<string, unknown>)['mac'] = undefined)],
      ['a class instance as spec', (d) => (d['spec'] = Object.assign(new (class Spec {})(), d['spec']))],
      ['a null-prototype labels map', (d) => ((d['metadata'] as Record<string, unknown>)['labels'] = Object.assign(Object.create(null) as object, { app: 'web' }))],
      ['a network with host bits', (d) => ((d['spec'] as Record<string, unknown>)['ipNetworks'] = ['10.65.0.3/24'])],
    ];
    for (const [what, change] of variations) {
      const doc = cniEndpoint();
      change(doc);
      assert.doesNotThrow(() => assertAgrees(doc), what);
    }
  });

  // ---- policies and profiles ----

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
  const generated: readonly [string, fc.Arbitrary<object>, FastKind][] = [
    ['NetworkPolicy', envelope('NetworkPolicy', namespaced, withRare(fc.record(policyFields, { requiredKeys: [] }), fc.record({ performanceHints: fc.constant(['AssumeNeededOnEveryNode']), namespaceSelector: selector }, { requiredKeys: [] }))), FAST_KINDS[1] as FastKind],
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
      FAST_KINDS[2] as FastKind,
    ],
    [
      'Profile',
      envelope(
        'Profile',
        fc.record({ name: some(['kns.default', 'ksa.ns.sa'], ['Kns', '']) }),
        fc.record({ ingress: rules, egress: rules, labelsToApply: fc.dictionary(labelKey.filter((k): k is string => typeof k === 'string'), labelValue) }, { requiredKeys: [] }),
      ),
      FAST_KINDS[3] as FastKind,
    ],
  ];
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
