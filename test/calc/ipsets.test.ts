// IP sets: which exist, what they hold, and how changes reach the dataplane.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredResource } from '../../src/datastore/types.js';
import { del, gnp, Harness, hep, nsProfile, netset, set, tier, typesOf, wep } from './helpers.js';

/** A local endpoint selected by `policy`, so the policy (and its rule sets) are active. */
function withPolicy(rule: Record<string, unknown>, ...others: StoredResource[]): Harness {
  const h = new Harness();
  h.load(
    set(tier('default', 1_000_000)),
    set(nsProfile('prod')),
    set(nsProfile('dev')),
    set(wep('prod', 'local', { labels: { app: 'local' }, ips: ['10.9.9.9/32'] })),
    set(gnp('p', { selector: 'app == "local"', ingress: [rule] })),
    ...others.map(set),
  );
  return h;
}

/** Members of the only IP set (or the only one of the given type). */
function members(h: Harness, type?: 'net' | 'ip-and-port'): string[] {
  const sets = [...h.state.ipSets.values()].filter((s) => type === undefined || s.type === type);
  assert.equal(sets.length, 1, 'expected exactly one IP set');
  return [...(sets[0]?.members ?? [])].sort();
}

const fromSelector = (selector: string) => ({ action: 'Allow', source: { selector } });

describe('IP set membership', () => {
  it('holds the addresses of every matching endpoint, local or remote', () => {
    const h = withPolicy(fromSelector('role == "fe"'), wep('prod', 'a', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.0.1/32', 'fd00::1/128'] }), hep('h', { labels: { role: 'fe' }, ips: ['192.168.1.1'] }));
    assert.deepEqual(members(h), ['10.0.0.1/32', '192.168.1.1/32', 'fd00::1/128']);
  });

  it('reference counts a member shared by two endpoints', () => {
    const a = wep('prod', 'a', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.0.1/32'] });
    const b = wep('prod', 'b', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.0.1/32'] });
    const h = withPolicy(fromSelector('role == "fe"'), a, b);
    h.feed(del(a));
    assert.deepEqual(typesOf(h.flush()), []);
    assert.deepEqual(members(h), ['10.0.0.1/32']);
    h.feed(del(b));
    assert.deepEqual(h.flush(), [{ type: 'ipset-delta', id: [...h.state.ipSets.keys()][0], added: [], removed: ['10.0.0.1/32'] }]);
  });

  it('a remote endpoint label change only changes set members', () => {
    const a = (role: string) => wep('prod', 'a', { node: 'node2', labels: { role }, ips: ['10.0.0.1/32'] });
    const h = withPolicy(fromSelector('role == "fe"'), a('fe'));
    h.feed(set(a('be')));
    assert.deepEqual(typesOf(h.flush()), ['ipset-delta']);
    h.feed(set(a('fe')));
    const batch = h.flush();
    assert.deepEqual(batch.map((u) => (u.type === 'ipset-delta' ? [u.added, u.removed] : u.type)), [[['10.0.0.1/32'], []]]);
  });

  it('an address change of a matching endpoint swaps the member', () => {
    const h = withPolicy(fromSelector('role == "fe"'), wep('prod', 'a', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.0.1/32'] }));
    h.feed(set(wep('prod', 'a', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.0.2/32'] })));
    const batch = h.flush();
    assert.deepEqual(batch.map((u) => (u.type === 'ipset-delta' ? [u.added, u.removed] : u.type)), [[['10.0.0.2/32'], ['10.0.0.1/32']]]);
  });

  it('namespace labels come from the kns profile', () => {
    const h = withPolicy(
      { action: 'Allow', source: { namespaceSelector: 'env == "dev"' } },
      nsProfile('dev', { env: 'dev' }),
      wep('dev', 'a', { node: 'node2', ips: ['10.0.0.1/32'] }),
      wep('prod', 'b', { node: 'node2', ips: ['10.0.0.2/32'] }),
    );
    assert.deepEqual(members(h), ['10.0.0.1/32']);
    h.feed(set(nsProfile('dev', { env: 'test' })));
    h.flush();
    assert.deepEqual(members(h), []);
  });

  it("an endpoint's own label wins over its profile's", () => {
    const h = withPolicy(
      fromSelector('tier == "gold"'),
      { apiVersion: 'projectcalico.org/v3', kind: 'Profile', metadata: { name: 'gold' }, spec: { labelsToApply: { tier: 'gold' } } },
      wep('prod', 'own', { node: 'node2', labels: { tier: 'silver' }, ips: ['10.0.0.1/32'], profiles: ['gold'] }),
      wep('prod', 'inherits', { node: 'node2', ips: ['10.0.0.2/32'], profiles: ['gold'] }),
    );
    assert.deepEqual(members(h), ['10.0.0.2/32']);
  });

  it('pods cannot spoof namespace labels', () => {
    const h = withPolicy({ action: 'Allow', source: { namespaceSelector: 'env == "dev"' } }, wep('prod', 'a', { node: 'node2', labels: { 'pcns.env': 'dev' }, ips: ['10.0.0.1/32'] }));
    assert.deepEqual(members(h), []);
  });

  it('the set disappears with the last rule that uses it', () => {
    const h = withPolicy(fromSelector('role == "fe"'));
    const id = [...h.state.ipSets.keys()][0];
    h.feed(set(gnp('p', { selector: 'app == "local"', ingress: [{ action: 'Allow' }] })));
    assert.deepEqual(h.flush().map((u) => (u.type === 'ipset-remove' ? `remove ${u.id}` : u.type)), ['policy-update', `remove ${id}`]);
  });

  it('two policies with the same selector share one set', () => {
    const h = withPolicy(fromSelector('role == "fe"'), gnp('q', { selector: 'app == "local"', egress: [{ action: 'Deny', destination: { selector: 'role == "fe"' } }] }));
    assert.equal(h.state.ipSets.size, 1);
    h.feed(del(gnp('q', {})));
    assert.deepEqual(typesOf(h.flush()), ['workload-endpoint-update', 'policy-remove']);
  });
});

describe('named ports', () => {
  const ports = [
    { name: 'http', protocol: 'TCP', port: 8080 },
    { name: 'http', protocol: 'UDP', port: 8081 },
    { name: 'dns', protocol: 'UDP', port: 53 },
  ];
  const cases: readonly { name: string; rule: Record<string, unknown>; want: string[] }[] = [
    { name: 'a rule without protocol matches the name on any protocol', rule: { action: 'Allow', destination: { selector: 'role == "fe"', ports: ['http'] } }, want: ['10.0.0.1,tcp:8080', '10.0.0.1,udp:8081'] },
    { name: 'a rule protocol filters the named port', rule: { action: 'Allow', protocol: 'UDP', destination: { selector: 'role == "fe"', ports: ['http'] } }, want: ['10.0.0.1,udp:8081'] },
    { name: 'without a selector the named port applies to every endpoint', rule: { action: 'Allow', protocol: 'UDP', destination: { ports: ['dns'] } }, want: ['10.0.0.1,udp:53'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = withPolicy(c.rule, wep('prod', 'a', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.0.1/32'], ports }));
      assert.deepEqual(members(h, 'ip-and-port'), c.want);
    });
  }

  it('a named-port-only side needs no selector set of its own', () => {
    const h = withPolicy({ action: 'Allow', destination: { selector: 'role == "fe"', ports: ['http'] } });
    const rule = [...h.state.policies.values()][0]?.inboundRules[0];
    assert.deepEqual([rule?.dstIpSetIds.length, rule?.dstNamedPortIpSetIds.length], [0, 1]);
  });

  it('numeric and named ports together keep the selector set', () => {
    const h = withPolicy({ action: 'Allow', protocol: 'TCP', destination: { selector: 'role == "fe"', ports: ['http', 80] } });
    const rule = [...h.state.policies.values()][0]?.inboundRules[0];
    assert.deepEqual([rule?.dstIpSetIds.length, rule?.dstNamedPortIpSetIds.length, rule?.dstPorts], [1, 1, [{ first: 80, last: 80 }]]);
  });
});

describe('network sets', () => {
  it('contribute their CIDRs, with /0 split into two /1s', () => {
    const h = withPolicy(fromSelector('kind == "ext"'), netset(undefined, 'all4', ['0.0.0.0/0'], { kind: 'ext' }), netset(undefined, 'all6', ['::/0'], { kind: 'ext' }));
    assert.deepEqual(members(h), ['0.0.0.0/1', '128.0.0.0/1', '8000::/1', '::/1']);
  });

  it('a namespaced network set carries its namespace', () => {
    const h = withPolicy({ action: 'Allow', source: { namespaceSelector: 'env == "dev"', selector: 'kind == "ext"' } }, nsProfile('dev', { env: 'dev' }), netset('dev', 'n', ['1.2.3.0/24'], { kind: 'ext' }), netset(undefined, 'g', ['5.6.7.0/24'], { kind: 'ext' }));
    assert.deepEqual(members(h), ['1.2.3.0/24']);
  });

  it('overlapping CIDRs are coalesced, and uncovered again when the wider one goes', () => {
    const wide = netset(undefined, 'wide', ['10.0.0.0/8'], { kind: 'ext' });
    const h = withPolicy(fromSelector('kind == "ext"'), netset(undefined, 'narrow', ['10.1.0.0/16', '10.1.2.3'], { kind: 'ext' }));
    assert.deepEqual(members(h), ['10.1.0.0/16']);
    h.feed(set(wide));
    h.flush();
    assert.deepEqual(members(h), ['10.0.0.0/8']);
    h.feed(del(wide));
    h.flush();
    assert.deepEqual(members(h), ['10.1.0.0/16']);
  });

  it('without overlap suppression every CIDR is a member', () => {
    const h = new Harness({ suppressOverlappingCidrs: false });
    h.load(set(nsProfile('prod')), set(wep('prod', 'l', { labels: { app: 'local' } })), set(gnp('p', { selector: 'app == "local"', ingress: [fromSelector('kind == "ext"')] })), set(netset(undefined, 'n', ['10.0.0.0/8', '10.1.0.0/16'], { kind: 'ext' })));
    assert.deepEqual(members(h), ['10.0.0.0/8', '10.1.0.0/16']);
  });
});

describe('removal ordering', () => {
  it('endpoints go before profiles and policies, policies before their IP sets', () => {
    const h = withPolicy(fromSelector('role == "fe"'), wep('prod', 'a', { node: 'node2', labels: { role: 'fe' } }));
    h.feed(del(gnp('p', {})), del(wep('prod', 'local')));
    assert.deepEqual(typesOf(h.flush()), ['workload-endpoint-remove', 'profile-remove', 'policy-remove', 'ipset-remove']);
  });
});
