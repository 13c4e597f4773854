// Per-endpoint tiers and policies: order, end-of-tier data, host endpoint lanes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredResource } from '../../src/datastore/types.js';
import { gnp, Harness, hep, np, nsProfile, set, tier, wep, wepId } from './helpers.js';

function tiersFor(...resources: StoredResource[]) {
  const h = new Harness();
  h.load(set(nsProfile('prod')), set(wep('prod', 'a', { labels: { app: 'web' } })), ...resources.map(set));
  return h.state.weps.get(wepId('prod', 'a'))?.tiers;
}

const ingress = [{ action: 'Allow' }];

describe('tier and policy ordering', () => {
  it('tiers sort by order, then name; undefined tiers come last and deny', () => {
    const tiers = tiersFor(
      tier('b', 10),
      tier('a', 10),
      tier('first', 1),
      gnp('b.p', { tier: 'b', selector: 'all()', ingress }),
      gnp('a.p', { tier: 'a', selector: 'all()', ingress }),
      gnp('first.p', { tier: 'first', selector: 'all()', ingress }),
      gnp('ghost.p', { tier: 'ghost', selector: 'all()', ingress }),
    );
    assert.deepEqual(tiers?.map((t) => [t.name, t.defaultAction]), [['first', 'deny'], ['a', 'deny'], ['b', 'deny'], ['ghost', 'deny']]);
  });

  it('policies sort by order, no order last, then by name/namespace/kind', () => {
    const tiers = tiersFor(
      tier('default', 1_000_000),
      gnp('z', { order: 1, selector: 'all()', ingress }),
      gnp('noorder', { selector: 'all()', ingress }),
      np('prod', 'b', { order: 5, selector: 'all()', ingress }),
      gnp('b', { order: 5, selector: 'all()', ingress }),
      np('prod', 'a', { order: 5, selector: 'all()', ingress }),
    );
    // "b//GlobalNetworkPolicy" < "b/prod/NetworkPolicy" in byte order.
    assert.deepEqual(tiers?.[0]?.ingressPolicies, ['gnp/z', 'np/prod/a', 'gnp/b', 'np/prod/b', 'gnp/noorder']);
  });

  it('a tier with no matching policy is left out (no end-of-tier drop)', () => {
    const tiers = tiersFor(
      tier('default', 1_000_000),
      tier('other', 10, 'Pass'),
      gnp('other.p', { tier: 'other', selector: 'app == "db"', ingress }),
      np('prod', 'p', { selector: 'app == "web"', ingress }),
    );
    assert.deepEqual(tiers?.map((t) => t.name), ['default']);
  });

  it('policies appear only in the directions they govern', () => {
    const tiers = tiersFor(
      tier('default', 1_000_000),
      np('prod', 'in', { selector: 'all()', ingress, egress: [{ action: 'Allow' }], types: ['Ingress'] }),
      np('prod', 'out', { selector: 'all()', egress: [{ action: 'Allow' }] }),
      np('prod', 'both', { selector: 'all()', types: ['Ingress', 'Egress'] }),
    );
    assert.deepEqual(tiers, [{ name: 'default', defaultAction: 'deny', ingressPolicies: ['np/prod/both', 'np/prod/in'], egressPolicies: ['np/prod/both', 'np/prod/out'] }]);
  });

  it('a tier order change reorders every endpoint', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'a')), set(tier('x', 1)), set(tier('y', 2)), set(gnp('x.p', { tier: 'x', selector: 'all()', ingress })), set(gnp('y.p', { tier: 'y', selector: 'all()', ingress })));
    h.feed(set(tier('x', 3)));
    h.flush();
    assert.deepEqual(h.state.weps.get(wepId('prod', 'a'))?.tiers.map((t) => t.name), ['y', 'x']);
  });
});

describe('host endpoint lanes', () => {
  it('doNotTrack, preDNAT and applyOnForward policies go to their own lists', () => {
    const h = new Harness();
    h.load(
      set(tier('default', 1_000_000)),
      set(hep('h', { labels: { role: 'host' } })),
      set(gnp('untracked', { selector: 'role == "host"', doNotTrack: true, applyOnForward: true, ingress, egress: ingress, types: ['Ingress', 'Egress'] })),
      set(gnp('prednat', { selector: 'role == "host"', preDNAT: true, applyOnForward: true, ingress })),
      set(gnp('fwd', { selector: 'role == "host"', applyOnForward: true, ingress })),
      set(gnp('normal', { selector: 'role == "host"', ingress })),
    );
    const e = h.state.heps.get('node1/h');
    const t = (name: string, defaultAction: string, inp: string[], out: string[] = []) => [{ name, defaultAction, ingressPolicies: inp, egressPolicies: out }];
    assert.deepEqual(
      { tiers: e?.tiers, untracked: e?.untrackedTiers, preDnat: e?.preDnatTiers, forward: e?.forwardTiers },
      {
        tiers: t('default', 'deny', ['gnp/fwd', 'gnp/normal']),
        untracked: t('default', 'pass', ['gnp/untracked'], ['gnp/untracked']),
        preDnat: t('default', 'pass', ['gnp/prednat']),
        forward: t('default', 'deny', ['gnp/fwd']),
      },
    );
  });

  it('a namespaced policy never selects a host endpoint', () => {
    const h = new Harness();
    h.load(set(tier('default', 1_000_000)), set(hep('h', { labels: { role: 'host' } })), set(np('prod', 'p', { selector: 'role == "host"', ingress })));
    assert.deepEqual(h.state.heps.get('node1/h')?.tiers, []);
  });
});
