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
import { NOT_FAST } from '../../src/api/fast-path.js';
import { validateFully } from '../../src/api/infra-kind.js';
import { kindFor } from '../../src/api/kinds.js';
import { workloadEndpointFastPath, workloadEndpointKind } from '../../src/api/kinds/workload-endpoint.js';

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

/** The fast path agrees with the full validation on `doc`; returns whether it decided alone. */
function assertAgrees(doc: unknown): boolean {
  const full = validateFully(workloadEndpointKind, doc);
  const fast = workloadEndpointFastPath(doc);
  if (fast !== NOT_FAST) {
    assert.ok(full.ok, `fast path accepted what validation rejects: ${JSON.stringify(doc)}\n${JSON.stringify(full)}`);
    assert.deepStrictEqual(fast, full.value);
    assert.equal(JSON.stringify(fast), JSON.stringify(full.value), 'same key order');
  }
  assert.deepStrictEqual(workloadEndpointKind.validate(doc), full);
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
      assertAgrees(doc);
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
});
