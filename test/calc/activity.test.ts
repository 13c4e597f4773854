// Which policies and profiles this host needs, and what each endpoint gets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { del, gnp, Harness, hep, np, nsProfile, profile, set, tier, typesOf, wep, wepId } from './helpers.js';

const DEFAULT_TIER = tier('default', 1_000_000);

describe('active policies', () => {
  it('a policy matching no local endpoint is not sent', () => {
    const h = new Harness();
    h.load(set(DEFAULT_TIER), set(nsProfile('prod')), set(wep('prod', 'remote', { node: 'node2', labels: { app: 'web' } })), set(np('prod', 'p', { selector: 'app == "web"', ingress: [{ action: 'Allow' }] })));
    assert.deepEqual([...h.state.policies.keys()], []);
  });

  it('a policy becomes active when a local endpoint starts to match and inactive when it stops', () => {
    const h = new Harness();
    h.load(set(DEFAULT_TIER), set(nsProfile('prod')), set(wep('prod', 'a', { labels: { app: 'db' } })), set(np('prod', 'p', { selector: 'app == "web"', ingress: [{ action: 'Allow' }] })));
    assert.equal(h.state.policies.has('np/prod/p'), false);
    h.feed(set(wep('prod', 'a', { labels: { app: 'web' } })));
    assert.deepEqual(typesOf(h.flush()), ['policy-update', 'workload-endpoint-update']);
    h.feed(set(wep('prod', 'a', { labels: { app: 'db' } })));
    assert.deepEqual(typesOf(h.flush()), ['workload-endpoint-update', 'policy-remove']);
  });

  it('AssumeNeededOnEveryNode keeps a policy active with no local match', () => {
    const h = new Harness();
    h.load(set(DEFAULT_TIER), set(np('prod', 'p', { selector: 'app == "web"', ingress: [{ action: 'Allow' }], performanceHints: ['AssumeNeededOnEveryNode'] })));
    assert.equal(h.state.policies.has('np/prod/p'), true);
  });

  it('a rule change of an active policy is sent as a policy update only', () => {
    const h = new Harness();
    h.load(set(DEFAULT_TIER), set(nsProfile('prod')), set(wep('prod', 'a', { labels: { app: 'web' } })), set(np('prod', 'p', { selector: 'app == "web"', ingress: [{ action: 'Allow' }] })));
    h.feed(set(np('prod', 'p', { selector: 'app == "web"', ingress: [{ action: 'Deny' }] })));
    const batch = h.flush();
    assert.deepEqual(typesOf(batch), ['policy-update']);
    assert.equal(h.state.policies.get('np/prod/p')?.inboundRules[0]?.action, 'deny');
  });

  it('staged policies are never programmed', () => {
    const h = new Harness();
    h.load(
      set(DEFAULT_TIER),
      set(nsProfile('prod')),
      set(wep('prod', 'a', { labels: { app: 'web' } })),
      set(np('prod', 's', { selector: 'all()', ingress: [{ action: 'Deny', source: { selector: 'x == "y"' } }] }, 'StagedNetworkPolicy')),
      set({ ...gnp('sg', { selector: 'all()', ingress: [{ action: 'Deny' }] }), kind: 'StagedGlobalNetworkPolicy' }),
    );
    assert.deepEqual([...h.state.policies.keys()], []);
    assert.deepEqual([...h.state.ipSets.keys()], []);
    assert.deepEqual(h.state.weps.get(wepId('prod', 'a'))?.tiers, []);
  });

  it('an invalid resource counts as deleted', () => {
    const h = new Harness();
    h.load(set(DEFAULT_TIER), set(nsProfile('prod')), set(wep('prod', 'a', { labels: { app: 'web' } })), set(np('prod', 'p', { selector: 'app == "web"', ingress: [{ action: 'Allow' }] })));
    h.feed(set(np('prod', 'p', { selector: 'app == ', ingress: [{ action: 'Allow' }] })));
    h.flush();
    assert.equal(h.state.policies.has('np/prod/p'), false);
    assert.deepEqual(h.state.weps.get(wepId('prod', 'a'))?.tiers, []);
  });
});

describe('profiles', () => {
  it('a profile is sent while a local endpoint references it', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(nsProfile('dev')), set(wep('prod', 'a')));
    assert.deepEqual([...h.state.profiles.keys()], ['kns.prod']);
    h.feed(del(wep('prod', 'a')));
    assert.deepEqual(typesOf(h.flush()), ['workload-endpoint-remove', 'profile-remove']);
  });

  it('a referenced profile that does not exist is a deny-all placeholder until it appears', () => {
    const h = new Harness();
    h.load(set(wep('prod', 'a')));
    const placeholder = h.state.profiles.get('kns.prod');
    assert.deepEqual([placeholder?.inboundRules.map((r) => r.action), placeholder?.outboundRules.map((r) => r.action)], [['deny'], ['deny']]);
    h.feed(set(nsProfile('prod')));
    h.flush();
    assert.deepEqual(h.state.profiles.get('kns.prod')?.inboundRules.map((r) => r.action), ['allow']);
  });

  it('a host endpoint lists its profiles in order', () => {
    const h = new Harness();
    h.load(set(profile('b', {})), set(profile('a', {})), set(hep('h', { profiles: ['b', 'a'] })));
    assert.deepEqual(h.state.heps.get('node1/h')?.profileIds, ['b', 'a']);
  });
});

describe('endpoints', () => {
  it('endpoints are withheld until the datastore is in sync', () => {
    const h = new Harness();
    h.feed(set(nsProfile('prod')), set(wep('prod', 'a')));
    assert.equal(typesOf(h.flush()).includes('workload-endpoint-update'), false);
    h.sync();
    assert.deepEqual(typesOf(h.flush()), ['config-update', 'workload-endpoint-update', 'in-sync']);
  });

  it('only endpoints on this host are programmed', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'a')), set(wep('prod', 'b', { node: 'node2' })), set(hep('h2', { node: 'node2' })));
    assert.deepEqual([...h.state.weps.keys()], [wepId('prod', 'a')]);
    assert.deepEqual([...h.state.heps.keys()], []);
  });

  it('an endpoint moving to another host is removed', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'a')));
    const moved = wep('prod', 'a');
    h.feed(set({ ...moved, spec: { ...(moved.spec as object), node: 'node2' } }));
    assert.deepEqual(typesOf(h.flush()), ['workload-endpoint-remove', 'profile-remove']);
  });

  it('a workload endpoint without addresses is not programmed', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'a', { ips: [] })));
    assert.equal(h.state.weps.size, 0);
  });

  it('the intent carries interface, addresses and profiles', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'a', { ips: ['10.0.0.5/32', 'fd00::5/128'], sa: 'sa1', profiles: ['kns.prod', 'ksa.prod.sa1'] })));
    const e = h.state.weps.get(wepId('prod', 'a'));
    assert.deepEqual(
      { iface: e?.interfaceName, v4: e?.ipv4Nets, v6: e?.ipv6Nets, profiles: e?.profileIds },
      { iface: 'calia', v4: ['10.0.0.5/32'], v6: ['fd00::5/128'], profiles: ['kns.prod', 'ksa.prod.sa1'] },
    );
  });
});
