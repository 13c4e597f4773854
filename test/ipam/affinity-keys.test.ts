// Where block affinities live in etcd: upstream's BlockAffinityKey path
// `/calico/ipam/v2/<affinity type>/<host>/ipv<N>/block/<cidr with ->`, type
// `host` for nodes and `virtual` for LoadBalancer addresses (model/block_affinity.go).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blockAffinityName, etcdKey, etcdListPrefix, parseBlockAffinityName, parseEtcdKey } from '../../src/datastore/keys.js';
import { CalicoError } from '../../src/api/errors.js';
import { host, LOAD_BALANCER } from './fixtures.js';

const LAYOUT = [
  { owner: host('node-1'), cidr: '10.0.0.0/26', name: 'node-1/ipv4/10.0.0.0-26', key: '/calico/ipam/v2/host/node-1/ipv4/block/10.0.0.0-26' },
  { owner: host('node-1'), cidr: 'fd00:1::/122', name: 'node-1/ipv6/fd00:1::-122', key: '/calico/ipam/v2/host/node-1/ipv6/block/fd00:1::-122' },
  { owner: LOAD_BALANCER, cidr: '10.99.0.0/26', name: 'virtual:load-balancer/ipv4/10.99.0.0-26', key: '/calico/ipam/v2/virtual/load-balancer/ipv4/block/10.99.0.0-26' },
  { owner: LOAD_BALANCER, cidr: 'fd00:99::/122', name: 'virtual:load-balancer/ipv6/fd00:99::-122', key: '/calico/ipam/v2/virtual/load-balancer/ipv6/block/fd00:99::-122' },
  // A node may be called "virtual" or "load-balancer"; neither is the virtual owner.
  { owner: host('virtual'), cidr: '10.0.0.64/26', name: 'virtual/ipv4/10.0.0.64-26', key: '/calico/ipam/v2/host/virtual/ipv4/block/10.0.0.64-26' },
  { owner: host('load-balancer'), cidr: '10.0.0.64/26', name: 'load-balancer/ipv4/10.0.0.64-26', key: '/calico/ipam/v2/host/load-balancer/ipv4/block/10.0.0.64-26' },
] as const;

describe('block affinity keys', () => {
  for (const c of LAYOUT) {
    it(`${c.owner.type} ${c.owner.host} ${c.cidr}: name ${c.name}, etcd key ${c.key}, and back`, () => {
      assert.equal(blockAffinityName(c.owner, c.cidr), c.name);
      assert.equal(etcdKey({ kind: 'BlockAffinity', name: c.name }), c.key);
      assert.deepEqual(parseEtcdKey(c.key), { kind: 'BlockAffinity', name: c.name });
      const parsed = parseBlockAffinityName(c.name);
      assert.deepEqual({ type: parsed.type, host: parsed.host, cidr: parsed.cidr }, { ...c.owner, cidr: c.cidr });
    });
  }

  const LISTS = [
    { namePrefix: 'node-1/', prefix: '/calico/ipam/v2/host/node-1/' },
    { namePrefix: 'virtual:load-balancer/', prefix: '/calico/ipam/v2/virtual/load-balancer/' },
    { namePrefix: undefined, prefix: '/calico/ipam/v2/' },
    { namePrefix: 'node', prefix: '/calico/ipam/v2/' },
  ] as const;
  for (const l of LISTS) {
    it(`listing names starting ${JSON.stringify(l.namePrefix ?? '')} reads under ${l.prefix}`, () => {
      assert.equal(etcdListPrefix('BlockAffinity', undefined, l.namePrefix), l.prefix);
    });
  }

  for (const bad of ['host:node-1/ipv4/10.0.0.0-26', 'virtual:/ipv4/10.0.0.0-26', 'a:b/ipv4/10.0.0.0-26', 'node-1/10.0.0.0-26']) {
    it(`rejects the name ${bad}`, () => {
      assert.throws(() => parseBlockAffinityName(bad), (e: unknown) => e instanceof CalicoError && e.code === 'invalid-value');
    });
  }

  it('other etcd keys under /calico/ipam/v2/ are not affinities', () => {
    assert.equal(parseEtcdKey('/calico/ipam/v2/load-balancer/x/ipv4/block/10.0.0.0-26'), undefined);
    assert.deepEqual(parseEtcdKey('/calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26'), { kind: 'IPAMBlock', name: '10.0.0.0-26' });
  });
});
