// Restarted watches, repeated events and invalid resources.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredResource } from '../../src/datastore/types.js';
import { apply, finalState, gnp, Harness, nsProfile, np, set, snapshot, tier, typesOf, wep } from './helpers.js';

const versioned = (r: StoredResource, v: string): StoredResource => ({ ...r, metadata: { ...r.metadata, resourceVersion: v } });

describe('resync and duplicates', () => {
  it('a repeated event with the same resourceVersion changes nothing', () => {
    const h = new Harness();
    const p = versioned(np('prod', 'p', { selector: 'all()', ingress: [{ action: 'Allow' }] }), '7');
    h.load(set(nsProfile('prod')), set(wep('prod', 'a')), set(p));
    h.feed(set(p));
    assert.deepEqual(h.flush(), []);
  });

  it('a resync deletes what the fresh list lacks and ends in sync', () => {
    const keep = [tier('default', 1_000_000), nsProfile('prod'), wep('prod', 'a', { labels: { app: 'web' } })].map((r, i) => versioned(r, String(i + 1)));
    const gone = versioned(np('prod', 'p', { selector: 'app == "web"', ingress: [{ action: 'Allow', source: { selector: 'x == "y"' } }] }), '9');
    const h = new Harness();
    h.load(...[...keep, gone].map(set));
    h.graph.resync(keep, 20);
    const batch = [...h.graph.flush()];
    apply(h.state, batch);
    assert.deepEqual(typesOf(batch), ['workload-endpoint-update', 'policy-remove', 'ipset-remove', 'in-sync']);
    assert.deepEqual(snapshot(h.state), finalState(keep.map(set)));
  });
});

describe('validation', () => {
  it('reports an invalid resource and treats it as deleted', () => {
    const seen: string[] = [];
    const h = new Harness({ onInvalid: (r, errors) => seen.push(`${r.metadata.name}: ${errors.length > 0}`) });
    h.load(set(nsProfile('prod')), set(wep('prod', 'a')), set(gnp('bad', { selector: 'all()', ingress: [{ action: 'Reject' }] })));
    assert.deepEqual([seen, h.state.policies.size], [['bad: true'], 0]);
  });
});

describe('selector rewriting end to end', () => {
  it('service account rules match through the ksa profile and the SA label', () => {
    const h = new Harness();
    h.load(
      set(nsProfile('prod')),
      set({ apiVersion: 'projectcalico.org/v3', kind: 'Profile', metadata: { name: 'ksa.prod.api' }, spec: { labelsToApply: { 'pcsa.projectcalico.org/name': 'api', 'pcsa.team': 'x' } } }),
      set(wep('prod', 'local', { labels: { app: 'web' } })),
      set(wep('prod', 'byname', { node: 'node2', sa: 'api', ips: ['10.0.0.2/32'], profiles: ['kns.prod', 'ksa.prod.api'] })),
      set(wep('prod', 'other', { node: 'node2', sa: 'other', ips: ['10.0.0.3/32'] })),
      set(np('prod', 'p', { selector: 'app == "web"', ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['api'], selector: 'team == "x"' } } }] })),
    );
    assert.deepEqual([...h.state.ipSets.values()].map((s) => [...s.members]), [['10.0.0.2/32']]);
  });

  it('a global policy with namespaceSelector all() does not select host endpoints', () => {
    const h = new Harness();
    h.load(
      set({ apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: 'h' }, spec: { node: 'node1', interfaceName: 'eth0' } }),
      set(gnp('g', { selector: 'all()', namespaceSelector: 'all()', ingress: [{ action: 'Allow' }] })),
      set(gnp('every', { selector: 'all()', ingress: [{ action: 'Allow' }] })),
    );
    assert.deepEqual(h.state.heps.get('node1/h')?.tiers.map((t) => t.ingressPolicies), [['gnp/every']]);
  });
});
