import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeAll, decodeManifests, formatDocumentError } from '../../src/api/decode.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/infra/${name}`, import.meta.url)), 'utf8');

describe('infrastructure manifests in the documentation\'s shapes', () => {
  it('all validate, defaulted or not', () => {
    for (const applyDefaults of [false, true]) {
      const r = decodeAll(fixture('valid.yaml'), 'valid.yaml', { applyDefaults });
      assert.ok(r.ok, r.ok ? '' : r.errors.map(formatDocumentError).join('\n'));
      assert.equal(r.value.length, 15);
    }
  });

  it('stay valid once defaulted (what the client writes validates again)', () => {
    for (const d of decodeManifests(fixture('valid.yaml'), 'valid.yaml', { applyDefaults: true })) {
      assert.ok(d.result.ok && d.definition !== undefined);
      const again = d.definition.validate(d.result.value);
      assert.ok(again.ok, `${d.kind} ${d.name}: ${JSON.stringify(again)}`);
    }
  });

  it('report exactly the listed problems for the invalid ones, each located', () => {
    const r = decodeAll(fixture('invalid.yaml'), 'invalid.yaml');
    assert.ok(!r.ok);
    const expected = fixture('invalid.expected.txt').trim().split('\n');
    assert.deepEqual(r.errors.map(formatDocumentError), expected);
  });
});
