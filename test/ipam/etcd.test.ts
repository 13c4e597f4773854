// The IPAM shell on a real etcd: every client scenario on a single member, and
// five hosts allocating at once on a three-member cluster.
import { after, test } from 'node:test';
import { openDatastore } from '../../src/datastore/index.js';
import type { DatastoreConfig } from '../../src/datastore/config.js';
import { clientScenarios } from './client-scenarios.js';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd.js';
import { fiveHostsScenario } from './five-hosts.js';
import type { TempStore } from './fixtures.js';
import { RawEtcd } from '../datastore/raw-etcd.js';
import assert from 'node:assert/strict';
import { IpamClient } from '../../src/ipam/index.js';
import { addPool } from './fixtures.js';

let single: EtcdCluster | undefined;
after(async () => {
  await single?.stop();
});

/** A fresh, empty datastore on the shared single-member etcd. */
async function tempEtcd(): Promise<TempStore> {
  single ??= await startEtcdCluster(1);
  await new RawEtcd(single.endpoints[0] ?? '').deletePrefix('/calico/');
  const config: DatastoreConfig = { type: 'etcdv3', endpoints: single.endpoints };
  const ds = await openDatastore(config);
  return { ds, path: JSON.stringify(config), cleanup: () => ds.close() };
}

clientScenarios('etcd', tempEtcd);

test('a LoadBalancer block affinity is written at upstream\'s key: /calico/ipam/v2/virtual/load-balancer/…', async (t) => {
  const s = await tempEtcd();
  t.after(() => s.cleanup());
  await addPool(s.ds, 'lb', { cidr: '10.99.0.0/24', allowedUses: ['LoadBalancer'] });
  const ipam = new IpamClient(s.ds);
  await ipam.autoAssign({ num4: 1, num6: 0, hostname: '', handleId: 'lb-1', intendedUse: 'LoadBalancer' });
  const block = (await ipam.store.listBlocks())[0]?.value.cidr.replace('/', '-');
  const raw = new RawEtcd(single?.endpoints[0] ?? '');
  const written = await raw.get(`/calico/ipam/v2/virtual/load-balancer/ipv4/block/${block}`);
  assert.deepEqual(JSON.parse(written?.value ?? 'null'), { state: 'confirmed', deleted: false });
  assert.equal(await raw.get(`/calico/ipam/v2/host/load-balancer/ipv4/block/${block}`), undefined);
});

test('five hosts allocating and releasing 2,000 addresses at once on a three-member etcd never share an address', { timeout: 600_000 }, async (t) => {
  const cluster = await startEtcdCluster(3);
  t.after(() => cluster.stop());
  const config: DatastoreConfig = { type: 'etcdv3', endpoints: cluster.endpoints };
  const ds = await openDatastore(config);
  t.after(() => ds.close());
  await fiveHostsScenario(t, ds, JSON.stringify(config));
});
