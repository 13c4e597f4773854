// `calicoctl ipam …` output, produced by the command functions over a seeded datastore.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { IpamClient } from '../../src/ipam/index.js';
import { configure, releaseIp, showBorrowed, showConfiguration, showIp, showUtilization, split } from '../../src/ipam/commands.js';
import { CALICO_API_VERSION } from '../../src/api/meta.js';
import { addNode, addPool, host, tempStore } from './fixtures.js';

async function setup(t: TestContext) {
  const s = await tempStore();
  t.after(() => s.cleanup());
  await addNode(s.ds, 'node-a');
  await addNode(s.ds, 'node-b');
  await addPool(s.ds, 'pool', { cidr: '10.0.0.0/29', blockSize: 30 });
  let text = '';
  const out = (x: string) => {
    text += x;
  };
  const take = () => {
    const was = text;
    text = '';
    return was;
  };
  return { ds: s.ds, ipam: new IpamClient(s.ds), out, take };
}

test('ipam show: one row per pool; --show-blocks adds one per block; percentages round half to even', async (t) => {
  const { ds, ipam, out, take } = await setup(t);
  await ipam.assignIp({ ip: '10.0.0.1', hostname: 'node-a', handleId: 'h', attrs: { node: 'node-a' } });
  await showUtilization(ds, out, false);
  assert.equal(
    take(),
    [
      '+----------+-------------+-----------+------------+--------------+----------+',
      '| GROUPING | CIDR        | IPS TOTAL | IPS IN USE | IPS RESERVED | IPS FREE |',
      '+----------+-------------+-----------+------------+--------------+----------+',
      '| IP Pool  | 10.0.0.0/29 |         8 |    1 (12%) |       0 (0%) |  7 (88%) |',
      '+----------+-------------+-----------+------------+--------------+----------+',
      '',
    ].join('\n'),
  );
  await showUtilization(ds, out, true);
  assert.ok(take().includes('| Block    | 10.0.0.0/30 |         4 |    1 (25%) |       0 (0%) |  3 (75%) |'));
});

test('ipam show --ip: in use with handle and sorted attributes, or not assigned', async (t) => {
  const { ds, ipam, out, take } = await setup(t);
  await ipam.assignIp({ ip: '10.0.0.1', hostname: 'node-a', handleId: 'h', attrs: { pod: 'p', node: 'node-a' } });
  await showIp(ds, out, '10.0.0.1');
  assert.equal(take(), 'IP 10.0.0.1 is in use\nHandle ID: h\nActive Owner Attributes:\n  node: node-a\n  pod: p\n');
  await showIp(ds, out, '10.0.0.2');
  assert.equal(take(), '10.0.0.2 is not assigned\n');
  await ipam.assignIp({ ip: '10.0.0.3', hostname: 'node-a' });
  await showIp(ds, out, '10.0.0.3');
  assert.equal(take(), 'IP 10.0.0.3 is in use\nHandle ID: <none>\nNo Active Owner attributes defined\n');
});

test('ipam show --show-borrowed lists addresses whose node is not the block owner', async (t) => {
  const { ds, ipam, out, take } = await setup(t);
  await ipam.autoAssign({ num4: 8, num6: 0, hostname: 'node-a', handleId: 'a', attrs: { node: 'node-a' } });
  await ipam.releaseIps([{ address: '10.0.0.6' as never }]);
  await ipam.autoAssign({ num4: 1, num6: 0, hostname: 'node-b', handleId: 'b', attrs: { node: 'node-b', namespace: 'ns', pod: 'web' } });
  await ipam.assignIp({ ip: '10.0.0.6', hostname: 'node-a' }).catch(() => undefined);
  await showBorrowed(ds, out);
  const text = take();
  assert.ok(text.includes('| IP       | BORROWING-NODE | BLOCK       | BLOCK OWNER | TYPE | ALLOCATED-TO |'), text);
  assert.ok(text.includes('| 10.0.0.6 | node-b         | 10.0.0.4/30 | node-a      | pod  | ns/web       |'), text);
});

test('ipam configure sets strict affinity and show --show-configuration prints every field', async (t) => {
  const { ds, out, take } = await setup(t);
  await configure(ds, out, { strictAffinity: 'true', ipCooldownSeconds: -1 });
  assert.equal(take(), 'Successfully set StrictAffinity to: true\n');
  await assert.rejects(configure(ds, out, { ipCooldownSeconds: -1 }), { message: 'at least one configuration option must be specified' });
  await assert.rejects(configure(ds, out, { strictAffinity: 'yes', ipCooldownSeconds: -1 }), { message: 'invalid value. Use true or false to set strictaffinity' });
  await assert.rejects(configure(ds, out, { strictAffinity: 'false', maxBlocksPerHost: '4', ipCooldownSeconds: -1 }), {
    message: 'error: MaxBlocksPerHost requires StrictAffinity to be enabled',
  });
  await showConfiguration(ds, out);
  assert.ok(take().includes('| StrictAffinity               | true      |\n| AutoAllocateBlocks           | true      |'));
});

test('ipam release --ip frees an address and refuses one that is not assigned', async (t) => {
  const { ds, ipam, out, take } = await setup(t);
  await ipam.assignIp({ ip: '10.0.0.1', hostname: 'node-a', handleId: 'h' });
  await releaseIp(ds, out, '10.0.0.1');
  assert.equal(take(), 'Successfully released IP address 10.0.0.1\n');
  await assert.rejects(releaseIp(ds, out, '10.0.0.1'), { message: 'IP address 10.0.0.1 is not assigned' });
  assert.equal(await ipam.store.getHandle('h'), undefined);
});

test('ipam split needs a locked datastore, then replaces the pool by 2^k pools and keeps the blocks', async (t) => {
  const { ds, ipam, out, take } = await setup(t);
  await ipam.autoAssign({ num4: 1, num6: 0, hostname: 'node-a', handleId: 'a' });
  await assert.rejects(split(ds, out, 2, '', 'pool'), /datastore is not locked/);
  await ds.create({ apiVersion: CALICO_API_VERSION, kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { datastoreReady: false } });
  await assert.rejects(split(ds, out, 3, '10.0.0.0/29', ''), /not a valid power of 2: 3/);
  take();
  await split(ds, out, 2, '10.0.0.0/29', '');
  assert.equal(
    take(),
    'IP Pool pool was successfully split into 2 smaller pools.Created split-pool-0 with CIDR 10.0.0.0/30.\nCreated split-pool-1 with CIDR 10.0.0.4/30.\nPlease refer to the documentation for final steps.',
  );
  assert.deepEqual((await ipam.store.pools()).map((p) => [p.name, p.disabled]), [['split-pool-0', false], ['split-pool-1', false]]);
  assert.equal((await ipam.store.listAffinities(host('node-a'))).length, 1);
});
