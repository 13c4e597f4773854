import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCidr } from '../../src/api/net.js';
import { CalicoError } from '../../src/api/errors.js';
import { blockCidrsOf, determinePools, fnv32, poolFromResource, type IpamPool, type PoolChoice } from '../../src/ipam/pools.js';

function pool(name: string, spec: Record<string, unknown>, extra: { deletionTimestamp?: string; status?: unknown } = {}): IpamPool {
  const p = poolFromResource({ metadata: { name, ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}) }, spec, status: extra.status });
  assert.ok(p !== null);
  return p;
}

const choice: PoolChoice = { family: 4, use: 'Workload', host: 'node-a', nodeLabels: { zone: 'a' } };

test('pool defaults: blockSize 26 for IPv4 and 122 for IPv6, all() selector, Workload and Tunnel uses', () => {
  const v4 = pool('p4', { cidr: '10.0.0.0/16' });
  const v6 = pool('p6', { cidr: 'fd00::/48', nodeSelector: '' });
  assert.equal(v4.blockSize, 26);
  assert.equal(v6.blockSize, 122);
  assert.equal(v6.nodeSelector, 'all()');
  assert.deepEqual(v4.allowedUses, ['Workload', 'Tunnel']);
  assert.equal(v4.assignmentMode, 'Automatic');
});

const cases: { name: string; pools: IpamPool[]; choice?: Partial<PoolChoice>; want: string[] | RegExp }[] = [
  { name: 'enabled automatic pools in list order', pools: [pool('a', { cidr: '10.1.0.0/16' }), pool('b', { cidr: '10.2.0.0/16' })], want: ['a', 'b'] },
  { name: 'disabled pools are skipped', pools: [pool('a', { cidr: '10.1.0.0/16', disabled: true }), pool('b', { cidr: '10.2.0.0/16' })], want: ['b'] },
  { name: 'terminating pools are skipped', pools: [pool('a', { cidr: '10.1.0.0/16' }, { deletionTimestamp: '2026-01-01T00:00:00Z' }), pool('b', { cidr: '10.2.0.0/16' })], want: ['b'] },
  {
    name: 'Allocatable=False pools are skipped',
    pools: [pool('a', { cidr: '10.1.0.0/16' }, { status: { conditions: [{ type: 'Allocatable', status: 'False' }] } }), pool('b', { cidr: '10.2.0.0/16' })],
    want: ['b'],
  },
  { name: 'manual pools are not auto-selected', pools: [pool('a', { cidr: '10.1.0.0/16', assignmentMode: 'Manual' }), pool('b', { cidr: '10.2.0.0/16' })], want: ['b'] },
  { name: 'other families are not candidates', pools: [pool('a', { cidr: 'fd00::/48' })], want: /cannot find a qualified ippool$/ },
  { name: 'no pool selects the host', pools: [pool('a', { cidr: '10.1.0.0/16', assignmentMode: 'Manual' })], want: /no configured Calico pools for node node-a/ },
  {
    name: 'no pool allows the use',
    pools: [pool('a', { cidr: '10.1.0.0/16', allowedUses: ['Tunnel'] })],
    want: /no pools match the required use \(Workload\)/,
  },
  {
    name: 'a requested pool bypasses assignment mode',
    pools: [pool('a', { cidr: '10.1.0.0/16', assignmentMode: 'Manual' }), pool('b', { cidr: '10.2.0.0/16' })],
    choice: { requested: ['10.1.0.0/16'] },
    want: ['a'],
  },
  {
    name: 'a requested pool that is disabled is an error',
    pools: [pool('a', { cidr: '10.1.0.0/16', disabled: true })],
    choice: { requested: ['10.1.0.0/16'] },
    want: /cannot find a qualified ippool/,
  },
  {
    name: 'a requested pool that does not exist is an error',
    pools: [pool('a', { cidr: '10.1.0.0/16' })],
    choice: { requested: ['10.9.0.0/16'] },
    want: /the given pool \(10.9.0.0\/16\) does not exist, or is not enabled/,
  },
];

for (const c of cases) {
  test(`determinePools: ${c.name}`, () => {
    const got = determinePools(c.pools, { ...choice, ...c.choice });
    if (c.want instanceof RegExp) {
      assert.ok(got instanceof CalicoError);
      assert.equal(got.code, 'exhausted');
      assert.match(got.message, c.want);
    } else {
      assert.ok(!(got instanceof CalicoError), got instanceof CalicoError ? got.message : '');
      assert.deepEqual(got.map((p) => p.name), c.want);
    }
  });
}

test('each host walks every block of a pool exactly once, from its own starting block', () => {
  const p = pool('a', { cidr: '10.0.0.0/24', blockSize: 28 });
  const walkA = [...blockCidrsOf(p, 'node-a')].map(formatCidr);
  assert.equal(walkA.length, 16);
  assert.equal(new Set(walkA).size, 16);
  assert.deepEqual([...blockCidrsOf(p, 'node-a')].map(formatCidr), walkA, 'deterministic per host');
  const starts = new Set(['node-a', 'node-b', 'node-c', 'node-d', 'node-e'].map((h) => formatCidr([...blockCidrsOf(p, h)][0]!)));
  assert.ok(starts.size > 1, 'different hosts start at different blocks');
  // After the start the walk is sequential, wrapping round.
  const idx = walkA.map((c) => Number(c.split('.')[3]!.split('/')[0]) / 16);
  for (let i = 1; i < idx.length; i++) assert.equal(idx[i], ((idx[i - 1] ?? 0) + 1) % 16);
});

test('fnv32 is the FNV-1 32-bit hash', () => {
  assert.equal(fnv32(''), 0x811c9dc5);
  assert.equal(fnv32('a'), 0x050c5d7e);
});
