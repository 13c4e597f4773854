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
import { kindFor } from '../../src/api/kinds.js';
import { validateFully } from '../../src/api/infra-kind.js';
import { assertAgrees, cniEndpoint, FAST_KINDS, GLOBAL_NETWORK_POLICY, KUBERNETES_NETWORK_POLICY, labelKey, labelValue, list, NETWORK_POLICY, PROFILE, resourceName, some, V3, WEP, withRare, type FastKind } from './fast-path-helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

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

describe('validation fast path', () => {
  it('decides a WorkloadEndpoint as the CNI plugin writes it, with the full validation\'s value', () => {
    assert.equal(assertAgrees(cniEndpoint(), WEP), true);
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
        if (assertAgrees(doc, WEP)) fast++;
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
      assert.doesNotThrow(() => assertAgrees(doc, WEP), what);
    }
  });

  // Exhaustive single changes of valid documents: every field replaced by each odd value, removed, or joined by an unknown one.
  const templates: readonly [unknown, FastKind][] = [
    [cniEndpoint(), WEP],
    [
      {
        apiVersion: V3,
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-web', namespace: 'prod', labels: { app: 'web' } },
        spec: {
          tier: 'default',
          order: 100,
          selector: "app == 'web'",
          types: ['Ingress', 'Egress'],
          ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'api'", namespaceSelector: "env == 'prod'", nets: ['10.0.0.0/8'] }, destination: { ports: [80, '8000:8080', 'http'] } }],
          egress: [{ action: 'Deny', ipVersion: 4, destination: { notNets: ['192.168.0.0/16'], notSelector: 'has(x)', notPorts: ['dns'] } }],
          serviceAccountSelector: "role == 'web'",
        },
      },
      NETWORK_POLICY,
    ],
    [
      { apiVersion: V3, kind: 'GlobalNetworkPolicy', metadata: { name: 'security.deny' }, spec: { tier: 'security', order: 1, selector: 'all()', namespaceSelector: "env == 'dev'", doNotTrack: false, preDNAT: false, applyOnForward: true, ingress: [{ action: 'Pass', source: { nets: ['fd00::/64'] } }] } },
      GLOBAL_NETWORK_POLICY,
    ],
    [
      { apiVersion: V3, kind: 'Profile', metadata: { name: 'kns.prod' }, spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow', protocol: 'UDP', ipVersion: 6, destination: { ports: [53] } }], labelsToApply: { 'pcns.projectcalico.org/name': 'prod' } } },
      PROFILE,
    ],
    [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'web', namespace: 'prod' },
        spec: {
          podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'Exists' }] },
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 80, endPort: 90 }, { port: 'http' }] }],
          egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
          policyTypes: ['Ingress', 'Egress'],
        },
      },
      KUBERNETES_NETWORK_POLICY,
    ],
  ];
  const ODD: readonly unknown[] = [null, '', 'x', 'A', '-a', 'in', 'In', 'tcp', 'global()', 'a--b', '10.0.0.1', '10.0.0.1/8', 'x'.repeat(64), 0, -1, 1.5, 65536, true, [], {}, ['x'], [{}], { x: 1 }];

  /** Every object or array inside `v`, with the path to it. */
  function containers(v: unknown, path: (string | number)[] = []): [unknown, (string | number)[]][] {
    if (typeof v !== 'object' || v === null) return [];
    const out: [unknown, (string | number)[]][] = [[v, path]];
    for (const [k, x] of Object.entries(v)) out.push(...containers(x, [...path, Array.isArray(v) ? Number(k) : k]));
    return out;
  }

  function changed(doc: unknown, path: readonly (string | number)[], change: (parent: Record<string, unknown> | unknown[]) => void): unknown {
    const copy = structuredClone(doc);
    let at: unknown = copy;
    for (const seg of path) at = (at as Record<string | number, unknown>)[seg];
    change(at as Record<string, unknown>);
    return copy;
  }

  it('agrees with the full validation on every single change of a valid document', () => {
    let fast = 0;
    let checked = 0;
    for (const [doc, k] of templates) {
      assert.equal(assertAgrees(doc, k), true, `the template ${k.def.kind} takes the fast path`);
      for (const [node, path] of containers(doc)) {
        const keys = Object.keys(node as object);
        const variants: unknown[] = [changed(doc, path, (p) => ((p as Record<string, unknown>)['bogus'] = 1))];
        for (const key of keys) {
          variants.push(changed(doc, path, (p) => (Array.isArray(p) ? p.splice(Number(key), 1) : delete p[key])));
          for (const odd of ODD) variants.push(changed(doc, path, (p) => ((p as Record<string, unknown>)[key] = structuredClone(odd))));
        }
        for (const v of variants) {
          checked++;
          if (assertAgrees(v, k)) fast++;
        }
      }
    }
    assert.ok(checked > 2000 && fast > 100, `checked ${checked}, fast ${fast}`);
  });
});
