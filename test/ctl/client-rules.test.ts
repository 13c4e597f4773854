// IPPools through calicoctl carry the IPPool client's rules: no overlapping
// pools, CIDR and block size fixed once created, and deleting a pool releases
// the hosts' block affinities first (addresses in use stay where they are).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatastore } from '../../src/datastore/index.js';
import { IpamClient } from '../../src/ipam/index.js';
import { makeCtl, type Ctl } from './helpers.js';

const pool = (name: string, cidr: string, extra = '') =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n${extra}`;
const node = 'apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: node1\nspec: {}\n';

async function withIpam<T>(ctl: Ctl, fn: (ipam: IpamClient) => Promise<T>): Promise<T> {
  const ds = await openDatastore({ type: 'sqlite', path: ctl.dbPath });
  try {
    return await fn(new IpamClient(ds));
  } finally {
    await ds.close();
  }
}

describe('IPPools through calicoctl', () => {
  it('refuses a pool overlapping another', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['create', '-f', ctl.file('p1.yaml', pool('pool1', '10.1.0.0/16'))]);
    const r = await ctl.run(['create', '-f', ctl.file('p2.yaml', pool('pool2', '10.1.128.0/17'))]);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        "failed to create 'IPPool' resource: [error with field IPPool.Spec.CIDR = '10.1.128.0/17' (IPPool(pool2) CIDR overlaps with IPPool(pool1) CIDR 10.1.0.0/16)]\n",
      ],
    );
  });

  it('refuses to change the CIDR or the block size of a pool', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['create', '-f', ctl.file('p1.yaml', pool('pool1', '10.1.0.0/16'))]);
    const r = await ctl.run(['apply', '-f', ctl.file('p1b.yaml', pool('pool1', '10.2.0.0/16', '  blockSize: 24\n'))]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "failed to apply 'IPPool' resource: [error with the following fields:\n" +
        "-  IPPool.Spec.CIDR = '10.2.0.0/16' (IPPool CIDR cannot be modified)\n" +
        "-  IPPool.Spec.BlockSize = '24' (IPPool BlockSize cannot be modified)\n]\n",
    );
  });

  it('deleting a pool releases block affinities; a block still in use then blocks a pool of another block size', async (t) => {
    const ctl = makeCtl(t);
    assert.equal((await ctl.run(['apply', '-f', ctl.file('p.yaml', `${pool('pool1', '10.1.0.0/16')}---\n${node}`)])).code, 0);
    const assigned = await withIpam(ctl, (ipam) => ipam.autoAssign({ num4: 1, num6: 0, hostname: 'node1', handleId: 'h1' }));
    assert.equal(assigned.ipv4.ips.length, 1);
    assert.equal((await withIpam(ctl, (ipam) => ipam.store.listAffinities('node1'))).length, 1);

    assert.equal((await ctl.run(['delete', 'ippool', 'pool1'])).stdout, "Successfully deleted 1 'IPPool' resource(s)\n");
    assert.equal((await withIpam(ctl, (ipam) => ipam.store.listAffinities('node1'))).length, 0);

    const r = await ctl.run(['create', '-f', ctl.file('p3.yaml', pool('pool3', '10.1.0.0/16', '  blockSize: 28\n'))]);
    assert.equal(
      r.stderr,
      "failed to create 'IPPool' resource: [error with field IPPool.Spec.BlockSize = '28' (IPPool blocksSize conflicts with existing allocations that use a different blockSize)]\n",
    );
  });
});
