import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll, loadManifests, manifestFiles } from '../../src/api/load.js';

const dir = fileURLToPath(new URL('../fixtures/decode/dir', import.meta.url));
const rel = (files: readonly string[]): string[] => files.map((f) => relative(dir, f));

describe('manifestFiles', () => {
  it('lists a directory\'s manifests in name order, skipping other files and subdirectories', () => {
    assert.deepEqual(rel(manifestFiles(dir)), ['a-config.json', 'b-pool.yaml']);
  });

  it('descends into subdirectories with recursive', () => {
    assert.deepEqual(rel(manifestFiles(dir, true)), ['a-config.json', 'b-pool.yaml', 'sub/c-peer.yml']);
  });

  it('takes a file argument as is, whatever its extension, and - as stdin', () => {
    const notes = join(dir, 'notes.txt');
    assert.deepEqual(manifestFiles(notes), [notes]);
    assert.deepEqual(manifestFiles('-'), ['-']);
  });
});

describe('loadManifests', () => {
  it('decodes every manifest of a directory tree, each naming its file', () => {
    const docs = loadManifests(dir, { recursive: true });
    assert.deepEqual(
      docs.map((d) => [relative(dir, d.source), d.kind, d.name, d.result.ok]),
      [
        ['a-config.json', 'FelixConfiguration', 'default', true],
        ['b-pool.yaml', 'IPPool', 'b', true],
        ['sub/c-peer.yml', 'BGPPeer', 'c', true],
      ],
    );
  });

  it('reads stdin for -', () => {
    const docs = loadManifests('-', {
      readStdin: () => 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: t}\nspec: {order: 1}\n',
    });
    assert.deepEqual(docs.map((d) => [d.source, d.kind, d.result.ok]), [['-', 'Tier', true]]);
  });

  it('reports a missing file as a not-found error', () => {
    const r = loadAll('/nonexistent/calico/policy.yaml');
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((e) => [e.code, e.message]), [
      ['not-found', 'open /nonexistent/calico/policy.yaml: no such file or directory'],
    ]);
  });

  it('checks all files whole: one bad file means no resources', (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'calico-load-'));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    writeFileSync(join(tmp, 'a.yaml'), 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: t}\n');
    writeFileSync(join(tmp, 'b.yaml'), 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: T}\n');
    const r = loadAll(tmp);
    assert.ok(!r.ok);
    const located = new Set(r.errors.map((e) => `${relative(tmp, e.source)} document ${e.index} ${e.path}`));
    assert.deepEqual([...located], ['b.yaml document 0 metadata.name']);
  });

  it('returns the resources of every file when all are valid', () => {
    const r = loadAll(dir, { recursive: true });
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.map((x) => x.kind),
      ['FelixConfiguration', 'IPPool', 'BGPPeer'],
    );
  });
});
