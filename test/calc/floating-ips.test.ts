// spec.ipNATs → the endpoint intent's ipv4Nat/ipv6Nat, as the WorkloadEndpoint
// update processor and Felix's event sequencer hand them to the dataplane.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOST, Harness, felixConfig, nsProfile, set, wep, wepId } from './helpers.js';

const cases: readonly { name: string; ips: string[]; nats: { internalIP: string; externalIP: string }[]; v4: unknown; v6: unknown }[] = [
  { name: 'no ipNATs: both lists empty', ips: ['10.0.0.5/32'], nats: [], v4: [], v6: [] },
  {
    name: 'IPv4 pairs keep the spec order',
    ips: ['10.0.0.5/32'],
    nats: [{ internalIP: '10.0.0.5', externalIP: '172.16.0.9' }, { internalIP: '10.0.0.5', externalIP: '172.16.0.1' }],
    v4: [{ extIp: '172.16.0.9', intIp: '10.0.0.5' }, { extIp: '172.16.0.1', intIp: '10.0.0.5' }],
    v6: [],
  },
  {
    name: 'a dual-stack endpoint splits its pairs by family, addresses in canonical form',
    ips: ['10.0.0.5/32', 'fd00::5/128'],
    nats: [{ internalIP: 'fd00:0:0::5', externalIP: 'FD00:0::99' }, { internalIP: '10.0.0.5', externalIP: '172.16.0.9' }],
    v4: [{ extIp: '172.16.0.9', intIp: '10.0.0.5' }],
    v6: [{ extIp: 'fd00::99', intIp: 'fd00::5' }],
  },
];

describe('floating IPs in the endpoint intent', () => {
  for (const c of cases) {
    it(c.name, () => {
      const h = new Harness();
      h.load(set(nsProfile('prod')), set(wep('prod', 'a', { ips: c.ips, nats: c.nats })));
      const e = h.state.weps.get(wepId('prod', 'a'));
      assert.deepEqual({ v4: e?.ipv4Nat, v6: e?.ipv6Nat }, { v4: c.v4, v6: c.v6 });
    });
  }

  it('a change of ipNATs alone sends the endpoint again with the new pairs', () => {
    const h = new Harness();
    h.load(set(nsProfile('prod')), set(wep('prod', 'a', { ips: ['10.0.0.5/32'], nats: [{ internalIP: '10.0.0.5', externalIP: '172.16.0.9' }] })));
    h.flush();
    h.feed(set(wep('prod', 'a', { ips: ['10.0.0.5/32'], nats: [{ internalIP: '10.0.0.5', externalIP: '172.16.0.10' }] })));
    const batch = h.flush();
    assert.deepEqual(batch.map((u) => u.type), ['workload-endpoint-update']);
    assert.deepEqual(h.state.weps.get(wepId('prod', 'a'))?.ipv4Nat, [{ extIp: '172.16.0.10', intIp: '10.0.0.5' }]);
  });

  it('an endpoint whose NAT is not one of its own addresses is invalid and not programmed', () => {
    const invalid: unknown[] = [];
    const h = new Harness({ onInvalid: (r) => invalid.push(r.metadata.name) });
    h.load(set(nsProfile('prod')), set(wep('prod', 'a', { ips: ['10.0.0.5/32'], nats: [{ internalIP: '10.0.0.6', externalIP: '172.16.0.9' }] })));
    assert.equal(h.state.weps.size, 0);
    assert.equal(invalid.length, 1);
  });
});

describe('the FloatingIPs setting reaches the dataplane merged per host', () => {
  const cases: readonly [string, Record<string, unknown>[], string | undefined][] = [
    ['unset everywhere: absent (the dataplane defaults to Disabled)', [], undefined],
    ['cluster-wide Enabled', [{ floatingIPs: 'Enabled' }], 'Enabled'],
    ['cluster-wide Enabled, this host Disabled: the host wins', [{ floatingIPs: 'Enabled' }, { floatingIPs: 'Disabled' }], 'Disabled'],
    ['only this host Enabled', [{}, { floatingIPs: 'Enabled' }], 'Enabled'],
  ];
  for (const [name, [cluster, host], want] of cases) {
    it(name, () => {
      const h = new Harness();
      h.load(...(cluster === undefined ? [] : [set(felixConfig('default', cluster))]), ...(host === undefined ? [] : [set(felixConfig(`node.${HOST}`, host))]));
      assert.equal(h.state.config?.['FloatingIPs'], want);
    });
  }
});
