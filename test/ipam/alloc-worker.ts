// A child process acting as one host: allocates addresses one at a time (each
// under its own handle, recording a WorkloadEndpoint for it as the CNI plugin
// would), releases some as it goes, and prints one JSON line per event.
// IPAM_CRASH_AFTER="<kind>:<n>" kills the process with SIGKILL straight after
// its n-th write of that kind, to leave the datastore as a crash would.
import { openDatastore, type Datastore, type DatastoreConfig, type StoredResource } from '../../src/datastore/index.js';
import { IpamClient } from '../../src/ipam/index.js';
import { CALICO_API_VERSION } from '../../src/api/meta.js';
import { partialFulfillmentError } from '../../src/ipam/assign.js';

const [path, host, countText, releaseEveryText] = process.argv.slice(2);
if (path === undefined || host === undefined || countText === undefined) throw new Error('usage: alloc-worker <db> <host> <count> [releaseEvery]');
const count = Number(countText);
const releaseEvery = Number(releaseEveryText ?? '0');

function crashing(ds: Datastore): Datastore {
  const spec = process.env.IPAM_CRASH_AFTER;
  if (spec === undefined) return ds;
  const [kind, nText] = spec.split(':');
  let left = Number(nText);
  const wrap =
    (fn: (r: StoredResource) => Promise<StoredResource>) =>
    async (r: StoredResource): Promise<StoredResource> => {
      const out = await fn(r);
      if (r.kind === kind && --left === 0) process.kill(process.pid, 'SIGKILL');
      return out;
    };
  return {
    type: ds.type,
    get: (k) => ds.get(k),
    list: (o) => ds.list(o),
    create: wrap((r) => ds.create(r)),
    update: wrap((r) => ds.update(r)),
    delete: (k, rv) => ds.delete(k, rv),
    revision: () => ds.revision(),
    watch: (o, cb) => ds.watch(o, cb),
    close: () => ds.close(),
  };
}

// The datastore: a sqlite file path, or a datastore configuration as JSON.
const config: DatastoreConfig = path.startsWith('{') ? (JSON.parse(path) as DatastoreConfig) : { type: 'sqlite', path };
const ds = crashing(await openDatastore(config));
const ipam = new IpamClient(ds);
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

for (let i = 0; i < count; i++) {
  const handle = `net.${host}-${process.pid}-${i}`;
  const pod = `${host}-${process.pid}-${i}`;
  const { ipv4 } = await ipam.autoAssign({ num4: 1, num6: 0, hostname: host, handleId: handle, attrs: { node: host, namespace: 'ns', pod } });
  const err = partialFulfillmentError(ipv4);
  if (err !== null) {
    emit({ event: 'error', handle, message: err.message });
    continue;
  }
  const ip = (ipv4.ips[0] ?? '').split('/')[0] ?? '';
  await ds.create({
    apiVersion: CALICO_API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: { name: `${host}-k8s-${pod}-eth0`, namespace: 'ns' },
    spec: { node: host, pod, ipNetworks: [`${ip}/32`] },
  });
  emit({ event: 'assigned', handle, ip });
  if (releaseEvery > 0 && i % releaseEvery === 0) {
    // Alternate the two release paths: by handle, and by address.
    if (i % (2 * releaseEvery) === 0) await ipam.releaseByHandle(handle);
    else await ipam.releaseIps([{ address: ip as never }]);
    await ds.delete({ kind: 'WorkloadEndpoint', namespace: 'ns', name: `${host}-k8s-${pod}-eth0` });
    emit({ event: 'released', handle, ip });
  }
}
await ds.close();
