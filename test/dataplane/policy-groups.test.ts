// Policy groups: how a tier's policies are grouped, what a group chain holds,
// and how the desired-state model shares, counts and removes group chains.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { groupPolicies, policyScope, renderPolicyGroupChain } from '../../src/dataplane/policy-groups.js';
import { MARK, allocateMarks, policyGroupChainName } from '../../src/dataplane/names.js';
import { DesiredModel } from '../../src/dataplane/desired.js';
import { diffFamily, emptyStats } from '../../src/dataplane/script.js';
import type { KernelChain, KernelFamily } from '../../src/dataplane/state.js';
import type { DataplaneUpdate, HostEndpointIntent, PolicyId } from '../../src/calc/types.js';
import { policy, rule, tier, wep } from './fixtures.js';

describe('grouping a tier’s policies', () => {
  const cases: [string, string[], string[][]][] = [
    ['nothing', [], []],
    ['one policy', ['gnp/a'], [['gnp/a']]],
    ['consecutive global policies', ['gnp/a', 'gnp/b', 'gnp/c'], [['gnp/a', 'gnp/b', 'gnp/c']]],
    ['Calico and Kubernetes policies of one namespace', ['np/x/a', 'knp/x/b'], [['np/x/a', 'knp/x/b']]],
    ['a change of namespace starts a new run', ['np/x/a', 'np/x/b', 'np/y/c', 'gnp/d', 'knp/y/e'], [['np/x/a', 'np/x/b'], ['np/y/c'], ['gnp/d'], ['knp/y/e']]],
    ['runs of one namespace separated by another stay apart', ['np/x/a', 'gnp/b', 'np/x/c'], [['np/x/a'], ['gnp/b'], ['np/x/c']]],
  ];
  for (const [name, ids, runs] of cases) {
    it(`splits ${name} into runs`, () => assert.deepEqual(groupPolicies(ids), runs));
  }

  it('takes a namespaced policy’s namespace as its scope, and none for a global one', () => {
    assert.deepEqual(['np/ns1/a', 'knp/ns2/b', 'gnp/tier.c'].map(policyScope), ['ns1', 'ns2', '']);
  });
});

describe('group chain names', () => {
  const name = policyGroupChainName('ingress', ['gnp/a', 'gnp/b']);

  it('carry the layer prefix, the direction and a 20-character hash', () => {
    assert.match(name, /^filter-cali-gi-[A-Za-z0-9_-]{20}$/);
    assert.match(policyGroupChainName('egress', ['gnp/a', 'gnp/b']), /^filter-cali-go-[A-Za-z0-9_-]{20}$/);
  });

  it('are the same for the same sequence and differ for another order, member or direction', () => {
    assert.equal(policyGroupChainName('ingress', ['gnp/a', 'gnp/b']), name);
    const others = [policyGroupChainName('ingress', ['gnp/b', 'gnp/a']), policyGroupChainName('ingress', ['gnp/a', 'gnp/c']), policyGroupChainName('egress', ['gnp/a', 'gnp/b'])];
    assert.deepEqual(others.filter((o) => o === name), []);
  });
});

describe('group chains', () => {
  const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `gnp/p${i + 1}`);

  it('jump the first policy unconditionally and each later one only while accept and pass are clear', () => {
    assert.deepEqual(renderPolicyGroupChain({ dir: 'ingress', policyIds: ids(3) }, MARK).map((r) => r.body), [
      'counter jump filter-cali-pi-gnp/p1',
      'meta mark & 0x30000 == 0 counter jump filter-cali-pi-gnp/p2',
      'meta mark & 0x30000 == 0 counter jump filter-cali-pi-gnp/p3',
    ]);
  });

  it('return on a verdict before every fifth jump, which then needs no mark test', () => {
    const bodies = renderPolicyGroupChain({ dir: 'egress', policyIds: ids(7) }, MARK).map((r) => r.body);
    assert.deepEqual(bodies.slice(4), [
      'meta mark & 0x30000 == 0 counter jump filter-cali-po-gnp/p5',
      'meta mark & 0x30000 != 0 counter return',
      'counter jump filter-cali-po-gnp/p6',
      'meta mark & 0x30000 == 0 counter jump filter-cali-po-gnp/p7',
    ]);
  });

  it('use the configured mark bits', () => {
    const marks = allocateMarks(0x1f0);
    assert.ok(marks !== null);
    assert.equal(renderPolicyGroupChain({ dir: 'ingress', policyIds: ids(2) }, marks)[1]?.body, 'meta mark & 0x30 == 0 counter jump filter-cali-pi-gnp/p2');
  });

  it('name their policies in the first rule’s comment', () => {
    assert.equal(renderPolicyGroupChain({ dir: 'ingress', policyIds: ids(2) }, MARK)[0]?.comment, 'Policy group ingress: gnp/p1, gnp/p2');
  });
});

const A: PolicyId = { kind: 'NetworkPolicy', namespace: 'ns', name: 'a' };
const B: PolicyId = { kind: 'NetworkPolicy', namespace: 'ns', name: 'b' };
const C: PolicyId = { kind: 'NetworkPolicy', namespace: 'ns', name: 'c' };
const AB = policyGroupChainName('ingress', ['np/ns/a', 'np/ns/b']);
const ABC = policyGroupChainName('ingress', ['np/ns/a', 'np/ns/b', 'np/ns/c']);

function pol(id: PolicyId): DataplaneUpdate {
  return { type: 'policy-update', id, policy: policy({ inboundRules: [rule({ action: 'allow' })] }) };
}

function endpoint(iface: string, ingress: string[]): DataplaneUpdate {
  return { type: 'workload-endpoint-update', endpoint: wep(iface, [], { tiers: [tier('default', ingress, [])] }) };
}

function model(...updates: DataplaneUpdate[]): DesiredModel {
  const m = new DesiredModel([4]);
  for (const u of [pol(A), pol(B), pol(C), ...updates]) m.onUpdate(u);
  m.render();
  return m;
}

const chains = (m: DesiredModel): ReadonlyMap<string, unknown> => m.desired()[0]?.chains ?? new Map();
const groupNames = (m: DesiredModel): string[] => [...chains(m).keys()].filter((n) => /^filter-cali-g[io]-/.test(n)).sort();
const jumpsOf = (m: DesiredModel, chain: string): string[] =>
  ((m.desired()[0]?.chains.get(chain)?.rules ?? []).map((r) => r.body).filter((b) => b.includes('jump filter-cali-')));

describe('group chains in the desired-state model', () => {
  it('are shared by every endpoint with the same policy sequence', () => {
    const m = model(endpoint('cali1', ['np/ns/a', 'np/ns/b']), endpoint('cali2', ['np/ns/a', 'np/ns/b']));
    assert.deepEqual(groupNames(m), [AB]);
    assert.deepEqual([jumpsOf(m, 'filter-cali-tw-cali1'), jumpsOf(m, 'filter-cali-tw-cali2')], [[`meta mark & 0x20000 == 0 counter jump ${AB}`], [`meta mark & 0x20000 == 0 counter jump ${AB}`]]);
  });

  it('stay while one endpoint still references them, and go with the last', () => {
    const m = model(endpoint('cali1', ['np/ns/a', 'np/ns/b']), endpoint('cali2', ['np/ns/a', 'np/ns/b']));
    m.onUpdate({ type: 'workload-endpoint-remove', id: wep('cali1', []).id });
    m.render();
    assert.deepEqual(groupNames(m), [AB]);
    m.onUpdate({ type: 'workload-endpoint-remove', id: wep('cali2', []).id });
    const scope = m.render();
    assert.deepEqual(groupNames(m), []);
    assert.ok(scope.chains.has(AB));
  });

  it('change with an endpoint’s policy list: the new group is created, the unused one removed, a shared one kept', () => {
    const m = model(endpoint('cali1', ['np/ns/a', 'np/ns/b']), endpoint('cali2', ['np/ns/a', 'np/ns/b']), endpoint('cali3', ['np/ns/a', 'np/ns/b', 'np/ns/c']));
    m.onUpdate(endpoint('cali3', ['np/ns/a', 'np/ns/b']));
    m.onUpdate(endpoint('cali1', ['np/ns/a', 'np/ns/b', 'np/ns/c']));
    const scope = m.render();
    assert.deepEqual(groupNames(m), [ABC, AB].sort());
    assert.deepEqual([...scope.chains].sort(), ['filter-cali-fw-cali1', 'filter-cali-fw-cali3', 'filter-cali-tw-cali1', 'filter-cali-tw-cali3']);
  });

  it('are not touched when one of their policies’ rules change', () => {
    const m = model(endpoint('cali1', ['np/ns/a', 'np/ns/b']));
    m.onUpdate({ type: 'policy-update', id: A, policy: policy({ inboundRules: [rule({ action: 'deny' })] }) });
    assert.deepEqual([...m.render().chains].sort(), ['filter-cali-pi-np/ns/a', 'filter-cali-po-np/ns/a']);
  });

  it('follow a policy that goes: its endpoints move to the group of the policies left', () => {
    const m = model(endpoint('cali1', ['np/ns/a', 'np/ns/b', 'np/ns/c']));
    m.onUpdate({ type: 'policy-remove', id: C });
    m.render();
    assert.deepEqual(groupNames(m), [AB]);
    m.onUpdate({ type: 'policy-remove', id: B });
    m.render();
    assert.deepEqual({ groups: groupNames(m), jumps: jumpsOf(m, 'filter-cali-tw-cali1') }, { groups: [], jumps: ['meta mark & 0x20000 == 0 counter jump filter-cali-pi-np/ns/a'] });
  });

  it('are rewritten with new mark bits when the mark mask changes', () => {
    const m = model(endpoint('cali1', ['np/ns/a', 'np/ns/b']));
    m.onUpdate({ type: 'config-update', config: { NftablesMarkMask: '0x1f0' } });
    m.render();
    assert.deepEqual(jumpsOf(m, AB), ['counter jump filter-cali-pi-np/ns/a', 'meta mark & 0x30 == 0 counter jump filter-cali-pi-np/ns/b']);
  });

  it('are shared between host endpoint chains of every kind and workload chains', () => {
    const hep: HostEndpointIntent = {
      id: 'host1/eth0', interfaceName: 'eth0', expectedIpv4Addrs: [], expectedIpv6Addrs: [], profileIds: [],
      tiers: [tier('t', ['gnp/x', 'gnp/y'], [])], untrackedTiers: [tier('t', ['gnp/x', 'gnp/y'], [])], preDnatTiers: [], forwardTiers: [],
    };
    const m = model(pol({ kind: 'GlobalNetworkPolicy', name: 'x' }), pol({ kind: 'GlobalNetworkPolicy', name: 'y' }), { type: 'host-endpoint-update', endpoint: hep }, endpoint('cali1', ['gnp/x', 'gnp/y']));
    const XY = policyGroupChainName('ingress', ['gnp/x', 'gnp/y']);
    assert.deepEqual(groupNames(m), [XY]);
    assert.ok(jumpsOf(m, 'raw-cali-fh-eth0').some((b) => b.endsWith(XY)));
    m.onUpdate({ type: 'host-endpoint-remove', id: hep.id });
    m.onUpdate({ type: 'workload-endpoint-remove', id: wep('cali1', []).id });
    m.render();
    assert.deepEqual(groupNames(m), []);
  });
});

describe('group chains in the nft transaction', () => {
  /** The kernel as it would be after writing everything `m` wants. */
  function written(m: DesiredModel): KernelFamily {
    const d = m.desired()[0];
    const chainsHave = new Map<string, KernelChain>([...(d?.chains ?? [])].map(([n, c]) => [n, { hash: c.hash === '' ? null : c.hash, ruleCount: c.rules.length, base: c.base !== undefined }]));
    return { tableExists: true, chains: chainsHave, sets: new Map([...(d?.sets ?? [])].map(([n, s]) => [n, s.elements])), maps: new Map(d?.maps ?? []) };
  }

  it('create a group chain before the endpoint rule that jumps to it, and delete the old one after that rule is gone', () => {
    const m = model(endpoint('cali1', ['np/ns/a', 'np/ns/b']));
    const kernel = written(m);
    m.onUpdate(endpoint('cali1', ['np/ns/a', 'np/ns/b', 'np/ns/c']));
    const lines = diffFamily(m.desired()[0]!, kernel, m.render(), emptyStats());
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    const create = at(new RegExp(`^add chain ip calico ${ABC}$`));
    const jump = at(new RegExp(`^add rule ip calico filter-cali-tw-cali1 .*jump ${ABC}`));
    const oldJumpFlushed = at(/^flush chain ip calico filter-cali-tw-cali1$/);
    const remove = at(new RegExp(`^delete chain ip calico ${AB}$`));
    assert.ok(create >= 0 && create < jump, lines.join('\n'));
    assert.ok(oldJumpFlushed >= 0 && oldJumpFlushed < remove, lines.join('\n'));
  });

  it('are recognised after a restart: the same updates against the written kernel write nothing', () => {
    const updates = [endpoint('cali1', ['np/ns/a', 'np/ns/b']), endpoint('cali2', ['np/ns/a', 'np/ns/b', 'np/ns/c'])];
    const kernel = written(model(...updates));
    const restarted = model(...updates);
    assert.deepEqual(diffFamily(restarted.desired()[0]!, kernel, {}, emptyStats()), []);
  });

  it('a restart deletes group chains nothing references any more', () => {
    const kernel = written(model(endpoint('cali1', ['np/ns/a', 'np/ns/b'])));
    const restarted = model(endpoint('cali1', ['np/ns/a']));
    const lines = diffFamily(restarted.desired()[0]!, kernel, {}, emptyStats());
    assert.ok(lines.includes(`delete chain ip calico ${AB}`), lines.join('\n'));
  });
});
