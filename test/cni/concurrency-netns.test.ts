// Runtimes start pods in parallel: plugins running at the same moment on one
// host must each get their own address from the shared datastore, and
// parallel DELs must give every one of them back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { calicoConf, cniEnv, podArgs, setUp, type Env } from './harness.js';

let e: Env;
before(async () => {
  e = await setUp('cnipar');
});
after(async () => {
  await e.cleanup();
});

test('ten ADDs at once get ten different addresses, and ten DELs at once release them all', async () => {
  const conf = JSON.stringify(calicoConf(e, '1.0.0'));
  const pods = await Promise.all([...Array(10).keys()].map(async (i) => ({ i, c: await e.container(`par${i}`) })));
  const env = (cmd: string, i: number, path: string): Record<string, string> => cniEnv(e, cmd, `par${i}`, path, { CNI_ARGS: podArgs('default', `par-${i}`) });
  const adds = await Promise.all(pods.map(({ i, c }) => e.run('calico', env('ADD', i, c.path), conf)));
  for (const r of adds) assert.equal(r.code, 0, r.stdout + r.stderr);
  const addresses = adds.map((r) => (r.json as { ips: { address: string }[] }).ips[0]?.address);
  assert.equal(new Set(addresses).size, 10, `addresses: ${addresses.join(' ')}`);
  assert.equal((await e.ds.list({ kind: 'WorkloadEndpoint' })).items.length, 10);

  const dels = await Promise.all(pods.map(({ i, c }) => e.run('calico', env('DEL', i, c.path), conf)));
  for (const r of dels) assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual((await e.ds.list({ kind: 'IPAMHandle' })).items, []);
  assert.deepEqual((await e.ds.list({ kind: 'WorkloadEndpoint' })).items, []);
});
