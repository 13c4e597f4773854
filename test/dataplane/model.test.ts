// The desired-state model: what one update re-renders, set representation,
// placeholders for sets not yet sent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredModel } from '../../src/dataplane/desired.js';
import { gnp, policy, rule, setId, tier, wep } from './fixtures.js';

const S = setId('s:web');
const webPolicy = policy({ inboundRules: [rule({ action: 'allow', srcIpSetIds: [S] })] });

function model(): DesiredModel {
  const m = new DesiredModel([4]);
  m.onUpdate({ type: 'ipset-update', id: S, setType: 'net', members: ['10.0.0.1/32', '10.0.0.2'] });
  m.onUpdate({ type: 'policy-update', id: gnp('web'), policy: webPolicy });
  m.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali1', ['10.0.0.9/32'], { tiers: [tier('default', ['gnp/web'], [])] }) });
  m.render();
  return m;
}

const v4 = (m: DesiredModel) => m.desired()[0]!;
const firstRule = (m: DesiredModel, chain: string) => v4(m).chains.get(chain)?.rules[0]?.body;

describe('DesiredModel', () => {
  it('keeps a set of single addresses as a plain hash set', () => {
    const set = v4(model()).sets.get('cali4hs-web');
    assert.deepEqual({ interval: set?.interval, elements: [...(set?.elements ?? [])] }, { interval: false, elements: ['10.0.0.1', '10.0.0.2'] });
  });

  it('switches to an interval set when a prefix arrives, and rewrites the rules that use it', () => {
    const m = model();
    m.onUpdate({ type: 'ipset-delta', id: S, added: ['10.1.0.0/16'], removed: [] });
    const scope = m.render();
    assert.equal(v4(m).sets.has('cali4hs-web'), false);
    assert.equal(v4(m).sets.get('cali40s-web')?.interval, true);
    assert.ok(scope.chains.has('filter-cali-pi-gnp/web'));
    assert.equal(firstRule(m, 'filter-cali-pi-gnp/web'), 'ip saddr @cali40s-web counter meta mark set meta mark | 0x10000 return');
  });

  it('re-renders only the policy when an existing policy changes', () => {
    const m = model();
    m.onUpdate({ type: 'policy-update', id: gnp('web'), policy: policy({ inboundRules: [rule({ action: 'deny' })] }) });
    assert.deepEqual([...m.render().chains].sort(), ['filter-cali-pi-gnp/web', 'filter-cali-po-gnp/web']);
  });

  it('coalesces many updates of one object into one rendering of its last state', () => {
    const m = model();
    for (let port = 1; port <= 50; port++) {
      m.onUpdate({ type: 'policy-update', id: gnp('web'), policy: policy({ inboundRules: [rule({ action: 'allow', protocol: 6, dstPorts: [{ first: port, last: port }] })] }) });
    }
    assert.equal(m.render().chains.size, 2);
    assert.equal(firstRule(m, 'filter-cali-pi-gnp/web'), 'meta l4proto 6 tcp dport 50 counter meta mark set meta mark | 0x10000 return');
  });

  it('creates an empty placeholder for a set a rule references before it is sent', () => {
    const m = model();
    m.onUpdate({ type: 'policy-update', id: gnp('other'), policy: policy({ inboundRules: [rule({ action: 'allow', dstNamedPortIpSetIds: [setId('n:http')] })] }) });
    m.render();
    assert.deepEqual(v4(m).sets.get('cali40n-http'), { type: 'ip-and-port', interval: false, elements: new Set() });
  });

  it('maps each workload interface to its endpoint chains in the dispatch maps', () => {
    const maps = v4(model()).maps;
    assert.equal(maps.get('filter-cali-to-wl-dispatch')?.get('cali1'), 'goto filter-cali-tw-cali1');
    assert.equal(maps.get('filter-cali-from-wl-dispatch')?.get('cali1'), 'goto filter-cali-fw-cali1');
  });

  it('drops a removed endpoint chains and dispatch entries', () => {
    const m = model();
    m.onUpdate({ type: 'workload-endpoint-remove', id: wep('cali1', []).id });
    m.render();
    assert.equal(v4(m).chains.has('filter-cali-tw-cali1'), false);
    assert.equal(v4(m).maps.get('filter-cali-to-wl-dispatch')?.has('cali1'), false);
  });

  it('keeps the chains and dispatch of an interface when an older endpoint that named it goes', () => {
    const m = model();
    m.onUpdate({ type: 'workload-endpoint-update', endpoint: wep('cali1', ['10.0.0.10/32'], { id: 'host1/k8s/default.new/eth0' }) });
    m.onUpdate({ type: 'workload-endpoint-remove', id: wep('cali1', []).id });
    m.render();
    assert.equal(v4(m).chains.has('filter-cali-tw-cali1'), true);
    assert.equal(v4(m).maps.get('filter-cali-to-wl-dispatch')?.get('cali1'), 'goto filter-cali-tw-cali1');
  });

  it('re-renders endpoints when a policy they reference appears or goes', () => {
    const m = model();
    m.onUpdate({ type: 'policy-remove', id: gnp('web') });
    const scope = m.render();
    assert.ok(scope.chains.has('filter-cali-tw-cali1'));
    assert.equal(v4(m).chains.get('filter-cali-tw-cali1')?.rules.some((r) => r.body.includes('gnp/web')), false);
  });
});
