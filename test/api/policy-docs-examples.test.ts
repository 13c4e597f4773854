import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf, listFixtures, loadDocs } from '../fixtures/policy/kinds.js';

const files = [...listFixtures('docs'), ...listFixtures('valid')];

describe('published Calico examples load unchanged', () => {
  it('has fixtures to check', () => {
    assert.ok(files.length >= 30, `only ${files.length} fixture files`);
  });

  for (const file of files) {
    it(file, () => {
      const docs = loadDocs(file);
      assert.ok(docs.length > 0);
      for (const doc of docs) {
        const r = kindOf(doc).validate(doc);
        assert.deepEqual(r.ok ? [] : r.errors, [], JSON.stringify(doc));
        if (r.ok) assert.deepEqual(r.value, doc);
      }
    });
  }
});
