// The pure pieces behind calicoctl's output and patch: Go's value printing,
// tabwriter alignment, the per-kind cells, and strategic merge on Calico types.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goFloat, goValue, joinAndTruncate, tabwrite } from '../../src/ctl/output/gofmt.js';
import { tableSpec } from '../../src/ctl/output/columns.js';
import { strategicMerge } from '../../src/ctl/commands/patch.js';
import { parseGoDuration } from '../../src/ctl/commands/version.js';
import type { StoredResource } from '../../src/datastore/types.js';

describe("Go's %v of a float64", () => {
  const cases: readonly (readonly [number, string])[] = [
    [0, '0'],
    [100, '100'],
    [1000, '1000'],
    [999999, '999999'],
    [1_000_000, '1e+06'],
    [10_000_000, '1e+07'],
    [1_234_567, '1.234567e+06'],
    [0.5, '0.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5, '-2.5'],
    [1e21, '1e+21'],
  ];
  for (const [n, want] of cases) it(`${n} prints ${want}`, () => assert.equal(goFloat(n), want));
});

describe('Go values in table cells', () => {
  it('prints an unset pointer as <nil>, maps sorted, lists space-separated', () => {
    assert.equal(goValue(undefined), '<nil>');
    assert.equal(goValue({ b: '2', a: '1' }), 'map[a:1 b:2]');
    assert.equal(goValue(['x', 'y']), '[x y]');
  });

  it('joinAndTruncate cuts at the limit with ...', () => {
    const nets = Array.from({ length: 20 }, (_, i) => `10.${i}.0.0/16`);
    const out = joinAndTruncate(nets, ',', 80);
    assert.equal(out.length, 80);
    assert.ok(out.endsWith('...'));
    assert.equal(joinAndTruncate({ role: 'db', app: 'x' }, ','), 'app=x,role=db');
  });
});

describe('tabwriter (minwidth 5, padding 3)', () => {
  it('pads every cell, the last one too, to the widest in its column plus 3', () => {
    assert.equal(tabwrite([['NAME', 'TIER'], ['a-long-name', 'default']]), 'NAME          TIER      \na-long-name   default   \n');
  });

  it('never makes a column narrower than 5', () => {
    assert.equal(tabwrite([['A'], ['b']]), 'A    \nb    \n');
  });
});

describe('table cells per kind', () => {
  const r = (kind: string, spec: unknown, name = 'x'): StoredResource => ({ apiVersion: 'projectcalico.org/v3', kind, metadata: { name }, spec });
  const cell = (kind: string, heading: string, spec: unknown) =>
    tableSpec(kind).cells[heading]?.(r(kind, spec), { defaultAsNumber: () => '64512' });

  const cases: readonly (readonly [string, string, unknown, string])[] = [
    ['BGPPeer', 'NODE', {}, '(global)'],
    ['BGPPeer', 'NODE', { nodeSelector: "rack == 'a'" }, "rack == 'a'"],
    ['BGPPeer', 'NODE', { node: 'n1', nodeSelector: 'x' }, 'n1'],
    ['BGPPeer', 'ASN', {}, '0'],
    ['BGPConfiguration', 'MESHENABLED', {}, '-'],
    ['BGPConfiguration', 'MESHENABLED', { nodeToNodeMeshEnabled: false }, 'false'],
    ['BGPConfiguration', 'ASNUMBER', { asNumber: 64513 }, '64513'],
    ['Node', 'ASN', { bgp: { ipv4Address: '10.0.0.1/24' } }, '(64512)'],
    ['Node', 'ASN', { bgp: { asNumber: 65000 } }, '65000'],
    ['Node', 'ASN', {}, ''],
    ['IPPool', 'IPIPMODE', {}, 'Never'],
    ['IPPool', 'NAT', {}, 'false'],
    ['IPPool', 'ASSIGNMENTMODE', {}, '<nil>'],
    ['Tier', 'ORDER', { order: 1_000_000 }, '1e+06'],
    ['WorkloadEndpoint', 'WORKLOAD', { pod: 'p-1' }, 'p-1'],
    ['WorkloadEndpoint', 'NATS', { ipNATs: [{ internalIP: '10.0.0.1', externalIP: '1.2.3.4' }] }, '{10.0.0.1 1.2.3.4}'],
    ['HostEndpoint', 'IPS', { expectedIPs: ['10.0.0.1', '10.0.0.2'] }, '10.0.0.1,10.0.0.2'],
    ['BGPFilter', 'NUMEXPORTV4', { exportV4: [{}, {}] }, '2'],
    ['Profile', 'LABELS', { labelsToApply: { b: '2', a: '1' } }, 'a=1,b=2'],
  ];
  for (const [kind, heading, spec, want] of cases) {
    it(`${kind} ${heading} of ${JSON.stringify(spec)} is ${JSON.stringify(want)}`, () => assert.equal(cell(kind, heading, spec), want));
  }
});

describe('strategic merge patch on Calico types (no merge keys)', () => {
  const cases: readonly (readonly [string, unknown, unknown, unknown])[] = [
    ['merges maps key by key', { spec: { a: 1, b: 2 } }, { spec: { b: 3 } }, { spec: { a: 1, b: 3 } }],
    ['null deletes a key', { spec: { a: 1, b: 2 } }, { spec: { a: null } }, { spec: { b: 2 } }],
    ['lists are replaced whole', { spec: { l: [1, 2, 3] } }, { spec: { l: [4] } }, { spec: { l: [4] } }],
    ['$patch: replace replaces a map', { spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } }, { spec: { c: 3 } }],
    ['$patch: delete removes a map', { spec: { a: 1 }, x: 1 }, { spec: { $patch: 'delete' } }, { x: 1 }],
    ['$retainKeys keeps only the listed keys', { spec: { a: 1, b: 2, c: 3 } }, { spec: { $retainKeys: ['a'], d: 4 } }, { spec: { a: 1, d: 4 } }],
    ['adds maps that were absent', { spec: {} }, { metadata: { labels: { a: 'b' } } }, { spec: {}, metadata: { labels: { a: 'b' } } }],
  ];
  for (const [name, original, patch, want] of cases) {
    it(name, () => assert.deepEqual(strategicMerge(original as never, patch as never), want));
  }
});

describe("Go's time.ParseDuration for --poll", () => {
  const cases: readonly (readonly [string, number | undefined])[] = [
    ['1s', 1000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['soon', undefined],
    ['5', undefined],
    ['', undefined],
  ];
  for (const [text, want] of cases) it(`${JSON.stringify(text)} is ${String(want)}`, () => assert.equal(parseGoDuration(text), want));
});
