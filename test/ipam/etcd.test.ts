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

test('five hosts allocating and releasing 2,000 addresses at once on a three-member etcd never share an address', { timeout: 600_000 }, async (t) => {
  const cluster = await startEtcdCluster(3);
  t.after(() => cluster.stop());
  const config: DatastoreConfig = { type: 'etcdv3', endpoints: cluster.endpoints };
  const ds = await openDatastore(config);
  t.after(() => ds.close());
  await fiveHostsScenario(t, ds, JSON.stringify(config));
});
