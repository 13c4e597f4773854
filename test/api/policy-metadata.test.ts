import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { objectMetaSchema, regexNameCheck } from '../../src/api/metadata-schema.js';
import { validateWith } from '../../src/api/schema.js';
import type { FieldError } from '../../src/api/errors.js';

function errors(opts: Parameters<typeof objectMetaSchema>[0], meta: unknown): FieldError[] {
  const r = validateWith(objectMetaSchema(opts), meta, 'metadata');
  return r.ok ? [] : [...r.errors];
}

const cluster = { namespaced: false };
const namespaced = { namespaced: true };

describe('objectMetaSchema', () => {
  it('accepts the fields a datastore sets, so a resource read back can be applied again', () => {
    const meta = {
      name: 'a.b-c',
      labels: { 'example.com/role': 'db', app: '' },
      annotations: { 'Example.com/Note': 'x' },
      resourceVersion: '42',
      uid: '5f0c',
      creationTimestamp: '2026-01-01T00:00:00Z',
      generation: 2,
      finalizers: ['projectcalico.org/tier-controller'],
    };
    assert.deepEqual(errors(cluster, meta), []);
  });

  it('reports every bad field of one metadata block', () => {
    const errs = errors(namespaced, {
      name: 'Bad_Name',
      namespace: 'Not-A-Label',
      labels: { 'a/b/c': 'ok', good: 'bad value' },
      colour: 'blue',
    });
    assert.deepEqual(
      errs.map((e) => [e.path, e.code]).sort(),
      [
        ['metadata.colour', 'unknown-field'],
        ['metadata.name', 'invalid-value'],
        ['metadata.namespace', 'invalid-value'],
        ['metadata.labels.a/b/c', 'invalid-value'],
        ['metadata.labels.good', 'invalid-value'],
      ].sort(),
    );
  });

  it('requires a name', () => {
    assert.deepEqual(
      errors(cluster, {}).map((e) => [e.path, e.code]),
      [['metadata.name', 'required']],
    );
  });

  it('rejects an empty name', () => {
    assert.deepEqual(
      errors(cluster, { name: '' }).map((e) => e.message),
      ['name must be specified'],
    );
  });

  it('reports a long name both as too long and, when it also breaks the regex, as malformed', () => {
    const msgs = errors(cluster, { name: 'A'.repeat(254) }).map((e) => e.message);
    assert.equal(msgs.length, 2);
    assert.equal(msgs[0], 'name is too long by 1 bytes');
    assert.match(msgs[1] ?? '', /^name must consist of lower case alphanumeric characters, '-' or '.'/);
  });

  it('rejects a namespace on a cluster-scoped kind', () => {
    assert.deepEqual(
      errors(cluster, { name: 'x', namespace: 'default' }).map((e) => [e.path, e.message]),
      [['metadata.namespace', 'namespace should not be specified for a non-namespaced resource']],
    );
  });

  it('applies a kind-specific name rule instead of the generic one', () => {
    const check = regexNameCheck('[a-z]+', 'letters only');
    assert.deepEqual(errors({ namespaced: true, nameCheck: check }, { name: 'a.b' }).map((e) => e.message), ['letters only']);
    assert.deepEqual(errors({ namespaced: true, nameCheck: check }, { name: 'ab' }), []);
  });

  it('rejects labels the kind reserves', () => {
    const errs = errors(
      { namespaced: true, forbiddenLabels: ['projectcalico.org/namespace'] },
      { name: 'x', labels: { 'projectcalico.org/namespace': 'default' } },
    );
    assert.deepEqual(
      errs.map((e) => [e.path, e.message]),
      [['metadata.labels.projectcalico.org/namespace', 'projectcalico.org/namespace is not a valid label name']],
    );
  });

  it('limits the total size of annotations to 256 KiB', () => {
    const errs = errors(cluster, { name: 'x', annotations: { k: 'v'.repeat(256 * 1024) } });
    assert.deepEqual(
      errs.map((e) => [e.path, e.message]),
      [['metadata.annotations', 'total size of annotations is too large by 1 bytes']],
    );
  });

  it('rejects label values longer than 63 characters', () => {
    const errs = errors(cluster, { name: 'x', labels: { k: 'v'.repeat(64) } });
    assert.deepEqual(errs.map((e) => e.message), ['label value: must be no more than 63 characters']);
  });
});
