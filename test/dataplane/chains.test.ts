// The endpoint chain template (policy.md §6.3) and policy/profile chains.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderEndpointChain, renderRuleChain, expandLogPrefix, type EndpointChainInput } from '../../src/dataplane/chains.js';
import { dataplaneSettings } from '../../src/dataplane/config.js';
import { staticChains } from '../../src/dataplane/static-chains.js';
import { policyGroupChainName } from '../../src/dataplane/names.js';
import { rule, tier } from './fixtures.js';

const settings = dataplaneSettings();
const base: EndpointChainInput = {
  kind: 'workload', dir: 'ingress', tiers: [], profileIds: [], settings,
  hasPolicyChain: () => true, hasProfileChain: () => true,
};
const bodies = (over: Partial<EndpointChainInput>): string[] => renderEndpointChain({ ...base, ...over }).rules.map((r) => r.body);
const comments = (over: Partial<EndpointChainInput>): string[] => renderEndpointChain({ ...base, ...over }).rules.flatMap((r) => (r.comment === undefined ? [] : [r.comment]));

describe('endpoint chains', () => {
  it('start with conntrack: established and related accepted, invalid dropped', () => {
    assert.deepEqual(bodies({}).slice(0, 2), ['ct state related,established counter accept', 'ct state invalid counter drop']);
  });

  it('leave out the invalid drop when DisableConntrackInvalidCheck is set', () => {
    assert.equal(bodies({ settings: dataplaneSettings({ DisableConntrackInvalidCheck: 'true' }) }).some((b) => b.includes('invalid')), false);
  });

  it('with no tiers and no profiles end in a drop', () => {
    assert.deepEqual(bodies({}).slice(2), ['counter meta mark set meta mark & 0xfffcffff', 'counter drop']);
  });

  it('jump each policy of a tier while the pass mark is clear, returning if it accepted (no two share a namespace)', () => {
    const b = bodies({ tiers: [tier('default', ['gnp/a', 'np/ns/b'], [])] });
    assert.deepEqual(b.slice(3, 9), [
      'counter meta mark set meta mark & 0xfffdffff',
      'meta mark & 0x20000 == 0 counter jump filter-cali-pi-gnp/a',
      'meta mark & 0x10000 == 0x10000 counter return',
      'meta mark & 0x20000 == 0 counter jump filter-cali-pi-np/ns/b',
      'meta mark & 0x10000 == 0x10000 counter return',
      'meta mark & 0x20000 == 0 counter drop',
    ]);
  });

  it('jump a run of policies of one namespace through their shared group chain, returning if it accepted', () => {
    const out = renderEndpointChain({ ...base, tiers: [tier('default', ['np/ns/a', 'knp/ns/b'], [])] });
    const group = policyGroupChainName('ingress', ['np/ns/a', 'knp/ns/b']);
    assert.deepEqual(out.rules.map((r) => r.body).slice(3), [
      'counter meta mark set meta mark & 0xfffdffff',
      `meta mark & 0x20000 == 0 counter jump ${group}`,
      'meta mark & 0x10000 == 0x10000 counter return',
      'meta mark & 0x20000 == 0 counter drop',
      'counter drop',
    ]);
    assert.deepEqual(out.groups, [{ dir: 'ingress', policyIds: ['np/ns/a', 'knp/ns/b'] }]);
  });

  it('group only the policies that are programmed: staged ones and ones without a chain are left out first', () => {
    const out = renderEndpointChain({ ...base, tiers: [tier('t', ['np/ns/a', 'snp/ns/s', 'np/ns/gone', 'np/ns/b'], [])], hasPolicyChain: (id) => id !== 'np/ns/gone' });
    assert.deepEqual(out.groups, [{ dir: 'ingress', policyIds: ['np/ns/a', 'np/ns/b'] }]);
  });

  it('jump a run that is left with one programmed policy straight to its policy chain', () => {
    const out = renderEndpointChain({ ...base, tiers: [tier('t', ['np/ns/a', 'np/ns/gone'], [])], hasPolicyChain: (id) => id !== 'np/ns/gone' });
    assert.deepEqual({ groups: out.groups, jumps: out.rules.filter((r) => r.body.includes('jump')).map((r) => r.body) }, {
      groups: [],
      jumps: ['meta mark & 0x20000 == 0 counter jump filter-cali-pi-np/ns/a'],
    });
  });

  it('keep the end-of-tier drop of a tier whose policies all lack a chain', () => {
    assert.ok(comments({ tiers: [tier('t', ['np/ns/a', 'np/ns/b'], [])], hasPolicyChain: () => false }).includes('End of tier t. Drop if no policies passed packet'));
  });

  it('use egress group chains (cali-go-) for the egress direction', () => {
    const out = renderEndpointChain({ ...base, dir: 'egress', tiers: [tier('t', [], ['gnp/a', 'gnp/b'])] });
    assert.match(out.rules.find((r) => r.body.includes('jump filter-cali-g'))?.body ?? '', /jump filter-cali-go-/);
    assert.deepEqual(out.groups, [{ dir: 'egress', policyIds: ['gnp/a', 'gnp/b'] }]);
  });

  it('untracked chains notrack what a group accepted', () => {
    const out = renderEndpointChain({ ...base, kind: 'host-untracked', tiers: [tier('t', ['gnp/u', 'gnp/v'], [])] });
    assert.deepEqual(out.rules.map((r) => r.body).slice(-2), [
      `meta mark & 0x20000 == 0 counter jump ${policyGroupChainName('ingress', ['gnp/u', 'gnp/v'])}`,
      'meta mark & 0x10000 == 0x10000 counter notrack return',
    ]);
  });

  it('render tiers in the given order with their names in comments', () => {
    const c = comments({ tiers: [tier('security', ['gnp/s'], []), tier('default', ['gnp/d'], [])] }).filter((x) => x.startsWith('Start of tier'));
    assert.deepEqual(c, ['Start of tier security', 'Start of tier default']);
  });

  it('have no end-of-tier drop for a tier whose default action is Pass', () => {
    assert.equal(comments({ tiers: [tier('t', ['gnp/a'], [], 'pass')] }).some((c) => c.startsWith('End of tier')), false);
  });

  it('skip a tier with no policy for this direction', () => {
    assert.equal(comments({ tiers: [tier('t', [], ['gnp/egress-only'])] }).some((c) => c.includes('tier t')), false);
  });

  it('never jump to staged policies, and a tier of only staged policies does not drop', () => {
    const b = bodies({ tiers: [tier('t', ['snp/ns/x', 'sgnp/y'], [])] });
    assert.equal(b.some((x) => x.includes('jump') || x.includes('0x20000 == 0 counter drop')), false);
  });

  it('use the egress chains (cali-po-) for the egress direction', () => {
    assert.ok(bodies({ dir: 'egress', tiers: [tier('t', [], ['gnp/e'])] }).includes('meta mark & 0x20000 == 0 counter jump filter-cali-po-gnp/e'));
  });

  it('drop VXLAN and IPIP from workloads on egress unless allowed', () => {
    assert.deepEqual(bodies({ dir: 'egress' }).filter((b) => b.startsWith('udp') || b.startsWith('meta l4proto')), ['udp dport 4789 counter drop', 'meta l4proto 4 counter drop']);
    assert.deepEqual(bodies({ dir: 'egress', settings: dataplaneSettings({ AllowVXLANPacketsFromWorkloads: 'true', AllowIPIPPacketsFromWorkloads: 'true' }) }).filter((b) => b.startsWith('udp') || b.startsWith('meta l4proto')), []);
  });

  it('jump profiles in order after the tiers, then drop', () => {
    assert.deepEqual(bodies({ profileIds: ['kns.a', 'ksa.a.b'] }).slice(3), [
      'counter jump filter-cali-pri-kns.a',
      'meta mark & 0x10000 == 0x10000 counter return',
      'counter jump filter-cali-pri-ksa.a.b',
      'meta mark & 0x10000 == 0x10000 counter return',
      'counter drop',
    ]);
  });

  it('use the configured mark bits', () => {
    const custom = dataplaneSettings({ NftablesMarkMask: '0x1f0' });
    assert.deepEqual(bodies({ settings: custom, profileIds: ['p'] }).slice(2, 5), [
      'counter meta mark set meta mark & 0xffffffcf',
      'counter jump filter-cali-pri-p',
      'meta mark & 0x10 == 0x10 counter return',
    ]);
  });

  it('treat a missing profile as deny-all', () => {
    assert.deepEqual(bodies({ profileIds: ['gone'], hasProfileChain: () => false }).slice(3), ['counter drop', 'counter drop']);
  });

  it('host chains jump the failsafe chain before any policy', () => {
    assert.equal(bodies({ kind: 'host' })[2], 'counter jump filter-cali-failsafe-in');
    assert.equal(bodies({ kind: 'host', dir: 'egress' })[2], 'counter jump filter-cali-failsafe-out');
  });

  it('untracked chains are stateless, notrack what policy accepts, and never drop at the end', () => {
    const b = bodies({ kind: 'host-untracked', tiers: [tier('t', ['gnp/u'], [])], profileIds: ['p'] });
    assert.deepEqual(b, [
      'counter jump raw-cali-failsafe-in',
      'counter meta mark set meta mark & 0xfffcffff',
      'counter meta mark set meta mark & 0xfffdffff',
      'meta mark & 0x20000 == 0 counter jump filter-cali-pi-gnp/u',
      'meta mark & 0x10000 == 0x10000 counter notrack return',
    ]);
  });

  it('forward chains with no tiers allow forwarded traffic by default', () => {
    assert.deepEqual(bodies({ kind: 'host-forward' }).slice(-1), ['counter meta mark set meta mark | 0x10000 return']);
  });
});

describe('policy chains', () => {
  it('render every rule and tag Log prefixes with direction, index and policy', () => {
    const rules = renderRuleChain({ id: 'gnp/a', isProfile: false, logPrefix: 'calico-packet' }, 'egress', [rule({ action: 'allow' }), rule({ action: 'log' })], 4, settings);
    assert.deepEqual(rules.map((r) => r.body), ['counter meta mark set meta mark | 0x10000 return', 'counter log prefix "calico-packet|PE1|gnp/a: " level info']);
  });

  it('expand LogPrefix placeholders for tier, kind, name and namespace/name', () => {
    assert.equal(expandLogPrefix('%t %k %n %p', { kind: 'np', tier: 'sec', namespace: 'ns', name: 'x' }), 'sec np x ns/x');
  });
});

describe('static chains', () => {
  it('dispatch unknown workload interfaces to a drop (fail closed)', () => {
    const chains = staticChains({ family: 4, settings });
    const from = chains.find((c) => c.name === 'filter-cali-from-wl-dispatch');
    assert.deepEqual(from?.rules.map((r) => r.body), ['counter iifname vmap @filter-cali-from-wl-dispatch', 'counter drop']);
  });

  it('send host interfaces without their own host endpoint to the * endpoint, never workload interfaces', () => {
    const wc = { fh: 'F', th: 'T', fhfw: 'FF', thfw: 'TF', rawFh: 'RF', rawTh: 'RT', mangleFh: 'MF' };
    const chains = staticChains({ family: 4, settings, wildcardHep: wc });
    assert.deepEqual(chains.find((c) => c.name === 'filter-cali-from-hep-forward')?.rules.map((r) => r.body)[1], 'iifname != "cali*" counter goto FF');
    assert.deepEqual(chains.find((c) => c.name === 'filter-cali-from-host-endpoint')?.rules.map((r) => r.body)[1], 'counter goto F');
  });

  it('apply DefaultEndpointToHostAction after the workload egress dispatch', () => {
    const toHost = staticChains({ family: 4, settings: dataplaneSettings({ DefaultEndpointToHostAction: 'Return' }) }).find((c) => c.name === 'filter-cali-wl-to-host');
    assert.deepEqual(toHost?.rules.map((r) => r.body), ['counter jump filter-cali-from-wl-dispatch', 'counter return']);
  });
});
