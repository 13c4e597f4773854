// A separate process that opens the datastore the way every component does
// (loadDatastoreConfig from its environment) and writes. The tests and the
// benchmark start it to prove what one process writes, another sees.
//
//   worker.ts create <name>                 create one GlobalNetworkSet
//   worker.ts increment <name> <times>      CAS-increment label `counter`, retrying on conflict
//   worker.ts churn <prefix>                create/update/delete forever (killed by the test)
//   worker.ts bench <prefix> <count>        print `ready`, wait for a line on stdin, then create
//                                           <count> GlobalNetworkSets labelled with their send time
//                                           (epoch ms) and print {start, end}
import { CalicoError } from '../../src/api/errors.js';
import { loadDatastoreConfig, openDatastore } from '../../src/datastore/index.js';
import type { StoredResource } from '../../src/datastore/types.js';

const [mode, arg1 = '', arg2 = '0'] = process.argv.slice(2);
const ds = await openDatastore(loadDatastoreConfig({ configFile: '', env: process.env }));

function netSet(name: string, labels: Record<string, string> = {}, nets: string[] = []): StoredResource {
  return { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name, labels }, spec: { nets } };
}

try {
  switch (mode) {
    case 'create': {
      const r = await ds.create(netSet(arg1, { from: 'child' }));
      console.log(r.metadata.resourceVersion);
      break;
    }
    case 'increment': {
      const key = { kind: 'GlobalNetworkSet', name: arg1 };
      for (let i = 0; i < Number(arg2); i++) {
        for (;;) {
          const cur = await ds.get(key);
          if (cur === undefined) throw new Error(`${arg1} vanished`);
          const n = Number(cur.metadata.labels?.counter ?? '0');
          try {
            await ds.update({ ...cur, metadata: { ...cur.metadata, labels: { counter: String(n + 1) } } });
            break;
          } catch (err) {
            if (!(err instanceof CalicoError && err.code === 'conflict')) throw err;
          }
        }
      }
      break;
    }
    case 'churn': {
      // Large values make each write span many pages, so a torn write would show.
      const nets = Array.from({ length: 400 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
      for (let i = 0; ; i++) {
        const name = `${arg1}-${i % 50}`;
        const cur = await ds.get({ kind: 'GlobalNetworkSet', name });
        if (cur === undefined) await ds.create(netSet(name, { i: String(i) }, nets));
        else if (i % 7 === 0) await ds.delete({ kind: 'GlobalNetworkSet', name }, cur.metadata.resourceVersion);
        else await ds.update({ ...cur, metadata: { ...cur.metadata, labels: { i: String(i) } } });
        if (i === 20) console.log('churning');
      }
    }
    case 'bench': {
      const count = Number(arg2);
      const now = (): number => performance.timeOrigin + performance.now();
      console.log('ready');
      await new Promise((resolve) => process.stdin.once('data', resolve));
      const start = now();
      for (let i = 0; i < count; i++) await ds.create(netSet(`${arg1}-${i}`, { sent: now().toFixed(3) }));
      console.log(JSON.stringify({ start, end: now() }));
      process.stdin.destroy();
      break;
    }
    default:
      throw new Error(`unknown mode ${mode ?? ''}`);
  }
} finally {
  await ds.close();
}
