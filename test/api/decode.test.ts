import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeAll, decodeManifests, formatDocumentError, splitDocuments, type DocumentError } from '../../src/api/decode.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/decode/${name}`, import.meta.url));
const read = (name: string): string => readFileSync(fixture(name), 'utf8');

function errorsOf(text: string): DocumentError[] {
  const r = decodeAll(text, 'in.yaml');
  assert.ok(!r.ok, 'expected errors');
  return [...r.errors];
}

describe('decodeManifests', () => {
  it('decodes a multi-document stream with an empty document and a List, in order', () => {
    const docs = decodeManifests(read('multi.yaml'), 'multi.yaml');
    assert.deepEqual(
      docs.map((d) => [d.index, d.item, d.kind, d.name, d.result.ok]),
      [
        [0, undefined, 'IPPool', 'pool-a', true],
        [1, undefined, 'GlobalNetworkPolicy', 'allow-dns', true],
        [2, 0, 'BGPPeer', 'rr-1', true],
        [2, 1, 'BGPPeer', 'rr-2', true],
      ],
    );
  });

  it('reads YAML 1.1 booleans as Go does (natOutgoing: yes)', () => {
    const [pool] = decodeManifests(read('multi.yaml'));
    assert.ok(pool?.result.ok);
    assert.equal((pool.result.value.spec as { natOutgoing?: boolean }).natOutgoing, true);
  });

  it('gives each document the line it starts on', () => {
    const docs = decodeManifests(read('multi.yaml'));
    assert.deepEqual(
      docs.map((d) => d.line),
      [2, 10, 28, 33],
    );
  });

  it('fills in the kind of List items that omit it', () => {
    const docs = decodeManifests(read('multi.yaml'));
    const rr1 = docs[2];
    assert.ok(rr1?.result.ok);
    assert.equal(rr1.result.value.kind, 'BGPPeer');
    assert.equal(rr1.result.value.apiVersion, 'projectcalico.org/v3');
  });

  it('decodes a JSON array of resources of different kinds, telling the two NetworkPolicy kinds apart', () => {
    const docs = decodeManifests(read('list.json'), 'list.json');
    assert.deepEqual(
      docs.map((d) => [d.index, d.item, d.apiVersion, d.kind, d.namespace, d.result.ok]),
      [
        [0, 0, 'projectcalico.org/v3', 'IPReservation', undefined, true],
        [0, 1, 'networking.k8s.io/v1', 'NetworkPolicy', 'prod', true],
      ],
    );
  });

  it('decodes a single JSON object', () => {
    const docs = decodeManifests('{"apiVersion":"projectcalico.org/v3","kind":"Tier","metadata":{"name":"security"},"spec":{"order":100}}');
    assert.equal(docs.length, 1);
    assert.ok(docs[0]?.result.ok);
  });

  it('decodes a generic List holding several kinds', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: projectcalico.org/v3, kind: IPPool, metadata: {name: p}, spec: {cidr: 10.0.0.0/16}}',
      '- {apiVersion: projectcalico.org/v3, kind: Tier, metadata: {name: t}, spec: {order: 5}}',
    ].join('\n');
    assert.deepEqual(
      decodeManifests(text).map((d) => [d.kind, d.result.ok]),
      [
        ['IPPool', true],
        ['Tier', true],
      ],
    );
  });

  it('skips empty documents and comment-only documents', () => {
    assert.deepEqual(decodeManifests('---\n# nothing here\n---\n\n---\n'), []);
    assert.deepEqual(decodeManifests(''), []);
  });

  it('reads a null field as absent, as Go does (creationTimestamp: null from calicoctl get)', () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p, creationTimestamp: null}\nspec: {cidr: 10.0.0.0/16, natOutgoing: null}\n';
    const [d] = decodeManifests(text);
    assert.ok(d?.result.ok);
    assert.deepEqual(d.result.value.metadata, { name: 'p' });
    assert.deepEqual(d.result.value.spec, { cidr: '10.0.0.0/16' });
  });

  it('applies defaults only when asked', () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16}\n';
    const plain = decodeManifests(text)[0];
    const defaulted = decodeManifests(text, 'x', { applyDefaults: true })[0];
    assert.ok(plain?.result.ok && defaulted?.result.ok);
    assert.equal((plain.result.value.spec as { blockSize?: number }).blockSize, undefined);
    assert.equal((defaulted.result.value.spec as { blockSize?: number }).blockSize, 26);
  });
});

describe('splitDocuments', () => {
  it('splits on a line starting with --- as calicoctl does, dropping the rest of that line', () => {
    assert.deepEqual(splitDocuments('a: 1\n--- # first\nb: 2\n---\n\nc: 3\n'), [
      { text: 'a: 1', lineOffset: 0 },
      { text: 'b: 2', lineOffset: 2 },
      { text: '\nc: 3\n', lineOffset: 4 },
    ]);
  });

  it('keeps a leading --- with its document', () => {
    assert.deepEqual(splitDocuments('---\na: 1\n'), [{ text: '---\na: 1\n', lineOffset: 0 }]);
  });
});

describe('decode errors', () => {
  it('keeps a syntax error to its own document', () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: [a\n---\napiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: b}\n';
    const docs = decodeManifests(text);
    assert.deepEqual(docs.map((d) => [d.index, d.result.ok]), [[0, false], [1, true]]);
  });

  it('reports every invalid document of a file with its index, kind, name, field, reason and line', () => {
    const r = decodeAll(read('invalid.yaml'), 'invalid.yaml');
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => [e.index, e.kind, e.name, e.path, e.code, e.line]),
      [
        [1, 'GlobalNetworkPolicy', 'foo', 'spec.ingress[1].action', 'invalid-value', 16],
        [2, 'BGPConfiguration', 'default', 'spec.asNumbr', 'unknown-field', 24],
        [3, 'Pool', 'what', 'kind', 'unknown-kind', 27],
      ],
    );
  });

  it('formats an error as file:line: document N (Kind "name"): field: reason', () => {
    const r = decodeAll(read('invalid.yaml'), 'invalid.yaml');
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.slice(1).map(formatDocumentError), [
      'invalid.yaml:24: document 3 (BGPConfiguration "default"): spec.asNumbr: unknown field "asNumbr"',
      'invalid.yaml:27: document 4 (Pool "what"): kind: unknown resource type (Pool) and/or version (projectcalico.org/v3)',
    ]);
    assert.match(formatDocumentError(r.errors[0] as DocumentError), /^invalid\.yaml:16: document 2 \(GlobalNetworkPolicy "foo"\): spec\.ingress\[1\]\.action: /);
  });

  it('returns no resources at all when one document is invalid', () => {
    const r = decodeAll(read('invalid.yaml'));
    assert.equal(r.ok, false);
    assert.equal('value' in r, false);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const errs = errorsOf('apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: [p\nspec: {}\n');
    assert.equal(errs.length >= 1, true);
    assert.equal(errs[0]?.code, 'parse');
    assert.equal(typeof errs[0]?.line, 'number');
    assert.equal(typeof errs[0]?.column, 'number');
  });

  it('reports a duplicate key as a parse error on its line', () => {
    const errs = errorsOf('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: t}\nkind: Tier\n');
    assert.deepEqual(errs.map((e) => [e.code, e.line]), [['parse', 4]]);
  });

  it('reports a JSON syntax error with its line', () => {
    const errs = errorsOf('{\n  "apiVersion": "projectcalico.org/v3",\n  "kind": "Tier"\n  "metadata": {}\n}');
    assert.equal(errs[0]?.code, 'parse');
    assert.equal(errs[0]?.line, 4);
  });

  it('names an unknown apiVersion/kind pair as unknown-kind', () => {
    const errs = errorsOf('apiVersion: projectcalico.org/v2\nkind: IPPool\nmetadata: {name: p}\n');
    assert.deepEqual(errs.map((e) => [e.code, e.path, e.message]), [
      ['unknown-kind', 'kind', 'unknown resource type (IPPool) and/or version (projectcalico.org/v2)'],
    ]);
  });

  it('requires kind and apiVersion', () => {
    assert.deepEqual(errorsOf('metadata: {name: p}\n').map((e) => [e.code, e.path]), [['required', 'apiVersion']]);
    assert.deepEqual(errorsOf('apiVersion: projectcalico.org/v3\nmetadata: {name: p}\n').map((e) => [e.code, e.path]), [['required', 'kind']]);
  });

  it('rejects a document that is not a mapping', () => {
    assert.deepEqual(errorsOf('just text\n').map((e) => e.code), ['invalid-value']);
  });

  it('rejects an unknown field of a List and a List item of another kind', () => {
    const text = [
      'apiVersion: projectcalico.org/v3',
      'kind: IPPoolList',
      'items:',
      '- {metadata: {name: a}, spec: {cidr: 10.0.0.0/16}}',
      '- {apiVersion: projectcalico.org/v3, kind: Tier, metadata: {name: t}}',
    ].join('\n');
    const errs = errorsOf(text);
    assert.deepEqual(errs.map((e) => [e.index, e.item, e.path, e.line]), [[0, 1, 'kind', 5]]);
    assert.deepEqual(errorsOf('apiVersion: projectcalico.org/v3\nkind: IPPoolList\ncolour: red\nitems: []\n').map((e) => [e.code, e.path]), [
      ['unknown-field', 'colour'],
    ]);
  });

  it('locates errors inside label keys that contain dots', () => {
    const text = 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: t\n  labels:\n    example.com/x: "bad value"\n';
    const errs = errorsOf(text);
    assert.deepEqual(errs.map((e) => [e.path, e.line]), [['metadata.labels.example.com/x', 6]]);
  });

  it('locates a missing required field at its parent', () => {
    const errs = errorsOf('apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec:\n  natOutgoing: true\n');
    assert.deepEqual(errs.map((e) => [e.path, e.code, e.line]), [['spec.cidr', 'required', 4]]);
  });
});
