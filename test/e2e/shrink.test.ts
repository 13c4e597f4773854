// Shrinking a differing case of the differential test: each candidate is one
// policy or one rule smaller than the case.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smaller, type Policy } from './shrink.js';

const gnp = (name: string, ingress: string[], egress: string[] = []): Policy => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'GlobalNetworkPolicy',
  metadata: { name },
  spec: { selector: 'all()', ...(ingress.length > 0 ? { ingress: ingress.map((action) => ({ action })) } : {}), ...(egress.length > 0 ? { egress: egress.map((action) => ({ action })) } : {}) },
});

const shape = (c: readonly Policy[]): string =>
  c.map((p) => `${p.metadata.name}[${(p.spec.ingress ?? []).map((r) => String(r['action'])).join(',')}|${(p.spec.egress ?? []).map((r) => String(r['action'])).join(',')}]`).join(' ');

describe('differential test shrinking', () => {
  it('offers each policy removed, then each rule removed, one at a time', () => {
    const c = [gnp('a', ['Allow', 'Deny']), gnp('b', [], ['Pass'])];
    assert.deepEqual(smaller(c).map(shape), ['b[|Pass]', 'a[Allow,Deny|]', 'a[Deny|] b[|Pass]', 'a[Allow|] b[|Pass]', 'a[Allow,Deny|] b[|]']);
  });

  it('never offers an empty case', () => {
    assert.deepEqual(smaller([gnp('a', [])]), []);
  });

  it('drops the direction when its last rule goes, leaving no empty rule list', () => {
    const [only] = smaller([gnp('a', ['Deny'])]);
    assert.equal(only?.[0]?.spec.ingress, undefined);
    assert.equal('ingress' in (only?.[0]?.spec ?? {}), false);
  });
});
