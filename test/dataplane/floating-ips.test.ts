// Floating IPs in the dataplane: which NATs are programmed, how Felix collates
// them, the nat chains they render to, and when the desired model re-renders them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IpAddress } from '../../src/api/net.js';
import type { NatInfo } from '../../src/calc/types.js';
import { dataplaneSettings } from '../../src/dataplane/config.js';
import { DesiredModel } from '../../src/dataplane/desired.js';
import { NAT_CHAIN, collateNats, endpointNats, natChains } from '../../src/dataplane/floating-ips.js';
import { isOurName } from '../../src/dataplane/names.js';
import { diffFamily, emptyStats } from '../../src/dataplane/script.js';
import { emptyKernel } from '../../src/dataplane/state.js';
import { wep } from './fixtures.js';

const nat = (extIp: string, intIp: string): NatInfo => ({ extIp: extIp as IpAddress, intIp: intIp as IpAddress });

describe('FloatingIPs setting', () => {
  const cases: readonly [string, Record<string, string>, boolean][] = [
    ['absent: Disabled, Felix’s default', {}, false],
    ['Enabled', { FloatingIPs: 'Enabled' }, true],
    ['enabled, in any case', { FloatingIPs: 'enabled' }, true],
    ['Disabled', { FloatingIPs: 'Disabled' }, false],
  ];
  for (const [name, config, want] of cases) it(name, () => assert.equal(dataplaneSettings(config).floatingIps, want));
});

describe('endpointNats', () => {
  const k8s = wep('cali1', ['10.0.0.5/32'], { ipv4Nat: [nat('172.16.0.1', '10.0.0.5')], ipv6Nat: [nat('fd00::99', 'fd00::5')] });
  const openstack = { ...k8s, id: 'host1/openstack/vm1/tap1' };
  const cases: readonly [string, typeof k8s, 4 | 6, boolean, readonly NatInfo[]][] = [
    ['Kubernetes endpoint, feature disabled: none', k8s, 4, false, []],
    ['Kubernetes endpoint, feature enabled: its IPv4 pairs', k8s, 4, true, k8s.ipv4Nat],
    ['Kubernetes endpoint, feature enabled: its IPv6 pairs', k8s, 6, true, k8s.ipv6Nat],
    ['OpenStack endpoint, feature disabled: programmed all the same', openstack, 4, false, k8s.ipv4Nat],
  ];
  for (const [name, ep, family, enabled, want] of cases) it(name, () => assert.deepEqual(endpointNats(ep, family, enabled), want));
});

describe('collateNats', () => {
  const cases: readonly [string, NatInfo[], [string, string][], [string, string][]][] = [
    ['one pair: one DNAT and its hairpin SNAT', [nat('172.16.0.1', '10.0.0.5')], [['172.16.0.1', '10.0.0.5']], [['10.0.0.5', '172.16.0.1']]],
    [
      'one external address claimed twice: the textually smaller internal address wins',
      [nat('172.16.0.1', '10.0.0.9'), nat('172.16.0.1', '10.0.0.10')],
      [['172.16.0.1', '10.0.0.10']],
      [['10.0.0.10', '172.16.0.1']],
    ],
    [
      'two floating IPs of one endpoint: both DNATed, the textually smallest is the SNAT source',
      [nat('172.16.0.9', '10.0.0.5'), nat('172.16.0.10', '10.0.0.5')],
      [['172.16.0.10', '10.0.0.5'], ['172.16.0.9', '10.0.0.5']],
      [['10.0.0.5', '172.16.0.10']],
    ],
    ['nothing: no rules', [], [], []],
  ];
  for (const [name, nats, dnats, snats] of cases) {
    it(name, () => assert.deepEqual(collateNats(nats), { dnats, snats }));
  }
});

describe('natChains', () => {
  it('renders DNAT on the external address and the hairpin SNAT, IPv4', () => {
    const chains = new Map(natChains(4, [nat('172.16.0.1', '10.0.0.5')]).map((c) => [c.name, c]));
    assert.deepEqual(chains.get(NAT_CHAIN.fipDnat)?.rules, [{ body: 'ip daddr 172.16.0.1 counter dnat to 10.0.0.5' }]);
    assert.deepEqual(chains.get(NAT_CHAIN.fipSnat)?.rules, [{ body: 'ip saddr 10.0.0.5 ip daddr 10.0.0.5 counter snat to 172.16.0.1' }]);
  });

  it('renders the same for IPv6 with ip6 matches', () => {
    const chains = new Map(natChains(6, [nat('fd00::99', 'fd00::5')]).map((c) => [c.name, c]));
    assert.deepEqual(chains.get(NAT_CHAIN.fipDnat)?.rules, [{ body: 'ip6 daddr fd00::99 counter dnat to fd00::5' }]);
    assert.deepEqual(chains.get(NAT_CHAIN.fipSnat)?.rules, [{ body: 'ip6 saddr fd00::5 ip6 daddr fd00::5 counter snat to fd00::99' }]);
  });

  it('hooks prerouting and output into the DNAT chain and postrouting into the SNAT chain, at Felix’s priorities', () => {
    const chains = natChains(4, []);
    const bases = chains.filter((c) => c.base !== undefined).map((c) => [c.name, c.base?.hook, c.base?.priority, c.rules[0]?.body]);
    assert.deepEqual(bases, [
      ['nat-PREROUTING', 'prerouting', 'dstnat', 'counter jump nat-cali-PREROUTING'],
      ['nat-OUTPUT', 'output', 110, 'counter jump nat-cali-OUTPUT'],
      ['nat-POSTROUTING', 'postrouting', 'srcnat + 10', 'counter jump nat-cali-POSTROUTING'],
    ]);
    const jumps = chains.filter((c) => c.base === undefined && c.rules.length > 0).map((c) => [c.name, c.rules[0]?.body]);
    assert.deepEqual(jumps, [
      ['nat-cali-PREROUTING', 'counter jump nat-cali-fip-dnat'],
      ['nat-cali-OUTPUT', 'counter jump nat-cali-fip-dnat'],
      ['nat-cali-POSTROUTING', 'counter jump nat-cali-fip-snat'],
    ]);
  });

  it('a new nat base chain is created with its type, hook and priority', () => {
    const chains = natChains(4, []);
    const fam = { family: 'ip' as const, chains: new Map(chains.map((c) => [c.name, { rules: c.rules, ...(c.base ? { base: c.base } : {}), hash: 'h' }])), sets: new Map(), maps: new Map() };
    const lines = diffFamily(fam, emptyKernel(), {}, emptyStats());
    assert.ok(lines.includes('add chain ip calico nat-OUTPUT { type nat hook output priority 110; policy accept; }'));
    assert.ok(lines.includes('add chain ip calico nat-POSTROUTING { type nat hook postrouting priority srcnat + 10; policy accept; }'));
  });

  it('nat- chains are ours, so a full compare sweeps stale ones', () => {
    assert.equal(isOurName(NAT_CHAIN.fipDnat), true);
  });
});

describe('DesiredModel and floating IPs', () => {
  const withFip = wep('cali1', ['10.0.0.5/32'], { ipv4Nat: [nat('172.16.0.1', '10.0.0.5')] });
  const natNames = (m: DesiredModel): string[] => [...(m.desired()[0]?.chains.keys() ?? [])].filter((n) => n.startsWith('nat-')).sort();
  const dnatRules = (m: DesiredModel): string[] => (m.desired()[0]?.chains.get(NAT_CHAIN.fipDnat)?.rules ?? []).map((r) => r.body);

  function model(config: Record<string, string>): DesiredModel {
    const m = new DesiredModel([4]);
    m.onUpdate({ type: 'config-update', config });
    m.onUpdate({ type: 'workload-endpoint-update', endpoint: withFip });
    m.render();
    return m;
  }

  it('FloatingIPs disabled: no nat chain at all, even with an endpoint that has a floating IP', () => {
    assert.deepEqual(natNames(model({})), []);
  });

  it('FloatingIPs enabled: the eight nat chains, the endpoint’s DNAT in the floating-IP chain', () => {
    const m = model({ FloatingIPs: 'Enabled' });
    assert.equal(natNames(m).length, 8);
    assert.deepEqual(dnatRules(m), ['ip daddr 172.16.0.1 counter dnat to 10.0.0.5']);
  });

  it('disabling the feature removes the nat chains, and says so in the render scope', () => {
    const m = model({ FloatingIPs: 'Enabled' });
    m.onUpdate({ type: 'config-update', config: { FloatingIPs: 'Disabled' } });
    const scope = m.render();
    assert.deepEqual(natNames(m), []);
    assert.ok(scope.chains.has(NAT_CHAIN.fipDnat) && scope.chains.has(NAT_CHAIN.prerouting));
  });

  it('an endpoint’s floating IP changing re-renders the nat chains with the new address', () => {
    const m = model({ FloatingIPs: 'Enabled' });
    m.onUpdate({ type: 'workload-endpoint-update', endpoint: { ...withFip, ipv4Nat: [nat('172.16.0.2', '10.0.0.5')] } });
    assert.ok(m.render().chains.has(NAT_CHAIN.fipDnat));
    assert.deepEqual(dnatRules(m), ['ip daddr 172.16.0.2 counter dnat to 10.0.0.5']);
  });

  it('removing the endpoint empties the floating-IP chains but keeps the hooks while the feature is on', () => {
    const m = model({ FloatingIPs: 'Enabled' });
    m.onUpdate({ type: 'workload-endpoint-remove', id: withFip.id });
    m.render();
    assert.deepEqual(dnatRules(m), []);
    assert.equal(natNames(m).length, 8);
  });

  it('an endpoint without floating IPs does not re-render the nat chains', () => {
    const m = model({ FloatingIPs: 'Enabled' });
    m.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali2', ['10.0.0.6/32']) });
    assert.equal([...m.render().chains].some((n) => n.startsWith('nat-')), false);
  });
});
