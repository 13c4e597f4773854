// Bad input and failures, through the real binaries: each a CNI error result
// with the specification's code and a sentence a person can act on, and
// nothing left allocated, wired or written afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { IpamClient } from '../../src/ipam/index.js';
import { calicoConf, cniEnv, podArgs, setUp, NODE, type Env, type PluginRun } from './harness.js';

let e: Env;
before(async () => {
  e = await setUp('cnierr');
});
after(async () => {
  await e.cleanup();
});

function cniError(r: PluginRun): { code: number; msg: string; details?: string } {
  assert.notEqual(r.code, 0, 'the plugin must exit non-zero');
  const err = r.json as { code?: unknown; msg?: unknown; details?: unknown; cniVersion?: unknown } | undefined;
  assert.ok(err !== undefined, `an error result on stdout, got: ${r.stdout}`);
  assert.equal(typeof err.code, 'number');
  assert.equal(typeof err.msg, 'string');
  assert.equal(typeof err.cniVersion, 'string');
  return err as { code: number; msg: string; details?: string };
}

/** Nothing of any ADD remains: no handle, no endpoint, no cali interface on the host. */
async function assertNothingLeft(): Promise<void> {
  assert.deepEqual((await e.ds.list({ kind: 'IPAMHandle' })).items.map((h) => h.metadata.name), []);
  assert.deepEqual((await e.ds.list({ kind: 'WorkloadEndpoint' })).items.map((w) => w.metadata.name), []);
  assert.doesNotMatch(await e.lab.must(e.hostNs, ['ip', '-o', 'link', 'show']), /cali/);
}

test('malformed JSON on stdin: code 6 (decode failure)', async () => {
  const c = await e.container('json');
  const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'j1', c.path, { CNI_ARGS: podArgs('default', 'j') }), '{"cniVersion": "1.0.0", "name": '));
  assert.equal(err.code, 6);
  assert.match(err.msg, /error unmarshalling network config/);
  await assertNothingLeft();
});

test('an unknown cniVersion: code 1 (incompatible version) naming the versions the plugin supports', async () => {
  const c = await e.container('ver');
  const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'v1', c.path), JSON.stringify(calicoConf(e, '9.9.9'))));
  assert.equal(err.code, 1);
  assert.match(err.details ?? '', /config is "9\.9\.9", plugin supports \[.*"1\.1\.0"\]/);
});

test('missing environment: code 4 naming the variables', async () => {
  const err = cniError(await e.run('calico', { CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0' }, JSON.stringify(calicoConf(e, '1.0.0'))));
  assert.equal(err.code, 4);
  assert.match(err.msg, /\[CNI_CONTAINERID,CNI_NETNS,CNI_PATH\] missing/);
});

test('a network namespace that does not exist: code 3 (container unknown), nothing allocated', async () => {
  const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'nons1', '/var/run/netns/no-such-ns', { CNI_ARGS: podArgs('default', 'nons') }), JSON.stringify(calicoConf(e, '1.0.0'))));
  assert.equal(err.code, 3);
  assert.match(err.msg, /network namespace "\/var\/run\/netns\/no-such-ns" does not exist/);
  await assertNothingLeft();
});

test("the plugin's own namespace as CNI_NETNS: code 8, nothing touched", async () => {
  const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'self1', `/var/run/netns/${e.hostNs}`, { CNI_ARGS: podArgs('default', 'self') }), JSON.stringify(calicoConf(e, '1.0.0'))));
  assert.equal(err.code, 8);
  await assertNothingLeft();
});

test('an exhausted pool: code 11 (try again later) saying which pool, nothing left allocated', async () => {
  await e.ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'tiny' }, spec: { cidr: '10.88.0.0/31', blockSize: 31 } });
  const ipam = new IpamClient(e.ds);
  for (const ip of ['10.88.0.0', '10.88.0.1']) await ipam.assignIp({ ip, handleId: 'someone-else', hostname: NODE, attrs: { node: NODE } });
  try {
    const c = await e.container('full');
    const conf = calicoConf(e, '1.0.0', { ipam: { type: 'calico-ipam', ipv4_pools: ['tiny'] } });
    const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'full1', c.path, { CNI_ARGS: podArgs('default', 'full') }), JSON.stringify(conf)));
    assert.equal(err.code, 11);
    assert.match(err.msg, /failed to request IPv4 addresses: Assigned 0 out of 1 requested IPv4 addresses.*10\.88\.0\.0\/31/);
    assert.equal(await e.ds.get({ kind: 'IPAMHandle', name: 'k8s-pod-network.full1' }), undefined);
    assert.deepEqual((await e.ds.list({ kind: 'WorkloadEndpoint' })).items, []);
    assert.doesNotMatch(await e.lab.must(e.hostNs, ['ip', '-o', 'link', 'show']), /cali/);
  } finally {
    await ipam.releaseByHandle('someone-else');
    await e.ds.delete({ kind: 'IPPool', name: 'tiny' });
  }
});

test('a container that already has the interface: ADD fails and gives back its address', async () => {
  const c = await e.container('busy');
  await e.lab.must(c.name, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other0']);
  const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'busy1', c.path, { CNI_ARGS: podArgs('default', 'busy') }), JSON.stringify(calicoConf(e, '1.0.0'))));
  assert.match(err.msg, /an interface named eth0 already exists/);
  await assertNothingLeft();
});

test('Calico not ready (datastore locked for migration): code 11, nothing allocated', async () => {
  const ci = await e.ds.get({ kind: 'ClusterInformation', name: 'default' });
  assert.ok(ci);
  await e.ds.update({ ...ci, spec: { ...(ci.spec as object), datastoreReady: false } });
  try {
    const c = await e.container('locked');
    const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'lock1', c.path, { CNI_ARGS: podArgs('default', 'locked') }), JSON.stringify(calicoConf(e, '1.0.0'))));
    assert.equal(err.code, 11);
    assert.equal(err.msg, 'Calico is currently not ready to process requests');
    await assertNothingLeft();
  } finally {
    const now = await e.ds.get({ kind: 'ClusterInformation', name: 'default' });
    if (now !== undefined) await e.ds.update({ ...now, spec: { ...(now.spec as object), datastoreReady: true } });
  }
});

test('no nodename file from calico/node: code 11 saying what to check', async () => {
  const c = await e.container('nonode');
  const conf = calicoConf(e, '1.0.0', { nodename_file_optional: false, nodename_file: join(e.dir, 'nodename') });
  const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'nn1', c.path, { CNI_ARGS: podArgs('default', 'nonode') }), JSON.stringify(conf)));
  assert.equal(err.code, 11);
  assert.match(err.msg, /check that the calico\/node container is running and has mounted \/var\/lib\/calico\//);
  await assertNothingLeft();
});

test('an IPAM plugin that is not on CNI_PATH: code 7 naming the plugin and the path', async () => {
  const c = await e.container('noipam');
  const conf = calicoConf(e, '1.0.0', { ipam: { type: 'no-such-ipam' } });
  const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'ni1', c.path, { CNI_ARGS: podArgs('default', 'noipam') }), JSON.stringify(conf)));
  assert.equal(err.code, 7);
  assert.match(err.msg, /failed to find plugin "no-such-ipam" in path/);
  await assertNothingLeft();
});

test('a wrongly typed configuration key: code 7 naming the key', async () => {
  const c = await e.container('badmtu');
  const err = cniError(await e.run('calico', cniEnv(e, 'ADD', 'bm1', c.path), JSON.stringify(calicoConf(e, '1.0.0', { mtu: '1500' }))));
  assert.equal(err.code, 7);
  assert.match(err.msg, /"mtu" must be a non-negative integer/);
});
