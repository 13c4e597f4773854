import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeResources, goYamlKeyLess, resourceList, toJson, toYaml } from '../../src/api/encode.js';
import { decodeAll } from '../../src/api/decode.js';
import type { StoredResource } from '../../src/datastore/types.js';

const pool: StoredResource = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'IPPool',
  metadata: { name: 'pool-a', resourceVersion: '42', labels: { zone: 'a', 'app.kubernetes.io/part-of': 'calico' } },
  spec: { cidr: '10.0.0.0/16', ipipMode: 'Never', allowedUses: ['Workload', 'Tunnel'], blockSize: 26, nodeSelector: "zone == 'a' && rack != 'r1'" },
};

describe('YAML output', () => {
  it('prints one resource as a bare document, keys sorted, sequences not indented', () => {
    assert.equal(
      encodeResources([pool], 'yaml'),
      [
        'apiVersion: projectcalico.org/v3',
        'kind: IPPool',
        'metadata:',
        '  creationTimestamp: null',
        '  labels:',
        '    app.kubernetes.io/part-of: calico',
        '    zone: a',
        '  name: pool-a',
        '  resourceVersion: "42"',
        'spec:',
        '  allowedUses:',
        '  - Workload',
        '  - Tunnel',
        '  blockSize: 26',
        '  cidr: 10.0.0.0/16',
        '  ipipMode: Never',
        "  nodeSelector: zone == 'a' && rack != 'r1'",
        '',
      ].join('\n'),
    );
  });

  it('prints several resources as a sequence', () => {
    const out = encodeResources([pool, { ...pool, metadata: { name: 'pool-b' } }], 'yaml');
    assert.match(out, /^- apiVersion: projectcalico\.org\/v3\n {2}kind: IPPool\n/);
    assert.equal(out.match(/^- /gm)?.length, 2);
  });

  it('prints a list as <Kind>List with the list resourceVersion', () => {
    const out = encodeResources(resourceList('IPPool', [pool], '99'), 'yaml');
    assert.match(out, /^apiVersion: projectcalico\.org\/v3\nitems:\n- apiVersion: projectcalico\.org\/v3\n/);
    assert.match(out, /\nkind: IPPoolList\nmetadata:\n {2}resourceVersion: "99"\n$/);
  });

  it('quotes strings YAML 1.1 would read as something else', () => {
    assert.equal(toYaml({ a: 'yes', b: 'on', c: '123', d: '', e: 'plain' }), 'a: "yes"\nb: "on"\nc: "123"\nd: ""\ne: plain\n');
  });

  it("single-quotes strings plain YAML cannot hold, as Go's emitter does", () => {
    assert.equal(
      toYaml({ a: '*.calico', b: '!has(x)', c: 'a: b', d: "it's: x", e: 'all()', f: '2026-01-01T00:00:00Z' }),
      "a: '*.calico'\nb: '!has(x)'\nc: 'a: b'\nd: 'it''s: x'\ne: all()\nf: \"2026-01-01T00:00:00Z\"\n",
    );
  });

  it('reads back to the same resources', () => {
    const text = readFileSync(fileURLToPath(new URL('../fixtures/decode/multi.yaml', import.meta.url)), 'utf8');
    const first = decodeAll(text);
    assert.ok(first.ok);
    const again = decodeAll(encodeResources(resourceList('BGPPeer', []), 'yaml') + '---\n' + encodeResources(first.value, 'yaml'));
    assert.ok(again.ok, JSON.stringify(again));
    const strip = (r: StoredResource) => ({ ...r, metadata: { ...r.metadata, creationTimestamp: undefined } });
    assert.deepEqual(JSON.parse(JSON.stringify(again.value.map(strip))), JSON.parse(JSON.stringify(first.value.map(strip))));
  });
});

describe('JSON output', () => {
  it("keeps Go's field order, sorts map keys and indents by two spaces", () => {
    const out = toJson(pool);
    assert.match(out, /^\{\n {2}"kind": "IPPool",\n {2}"apiVersion": "projectcalico\.org\/v3",\n {2}"metadata": \{\n {4}"name": "pool-a",\n {4}"resourceVersion": "42",\n {4}"creationTimestamp": null,\n {4}"labels": \{\n {6}"app\.kubernetes\.io\/part-of": "calico",/);
    assert.ok(!out.endsWith('\n'));
  });

  it('escapes <, > and & as Go does', () => {
    assert.equal(toJson({ s: "a && b > c < d" }), '{\n  "s": "a \\u0026\\u0026 b \\u003e c \\u003c d"\n}');
  });

  it('prints a list object with its items', () => {
    const out = JSON.parse(encodeResources(resourceList('IPPool', [pool], '7'), 'json')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ['kind', 'apiVersion', 'metadata', 'items']);
    assert.deepEqual(out.metadata, { resourceVersion: '7' });
  });
});

describe("Go's YAML key order", () => {
  const ordered: [string, string][] = [
    ['a2', 'a10'],
    ['apiVersion', 'kind'],
    ['_x', 'a'],
    ['B', 'a'],
    ['x-1', 'xa'],
    ['ab', 'abc'],
  ];
  for (const [a, b] of ordered) {
    it(`${a} before ${b}`, () => {
      assert.equal(goYamlKeyLess(a, b), true);
      assert.equal(goYamlKeyLess(b, a), false);
    });
  }
});

describe('empty structs', () => {
  it('prints an empty spec, and an empty Node status, as Go does', () => {
    const node: StoredResource = { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z' } };
    assert.equal(
      toYaml(node),
      'apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  creationTimestamp: "2026-01-01T00:00:00Z"\n  name: n1\nspec: {}\nstatus: {}\n',
    );
    const tier: StoredResource = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' } };
    assert.deepEqual(Object.keys(JSON.parse(toJson(tier)) as object), ['kind', 'apiVersion', 'metadata', 'spec']);
  });
});
