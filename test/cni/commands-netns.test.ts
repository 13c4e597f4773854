// The rest of what a runtime can ask: STATUS and GC (CNI 1.1), IPv6 wiring,
// pool choice, a delegated host-local IPAM, and calico-ipam on its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { calicoConf, cniEnv, podArgs, setUp, type Env } from './harness.js';

let e: Env;
before(async () => {
  e = await setUp('cnicmd', [
    { name: 'default-ipv4-ippool', cidr: '10.77.0.0/24', blockSize: 28 },
    { name: 'blue', cidr: '10.78.0.0/24', blockSize: 28, spec: { assignmentMode: 'Manual' } },
    { name: 'default-ipv6-ippool', cidr: 'fd00:77::/120', blockSize: 122 },
  ]);
});
after(async () => {
  await e.cleanup();
});

type Result = { ips: { address: string }[]; routes?: { dst: string }[]; interfaces?: { name: string }[] };

async function add(id: string, pod: string, extra: Record<string, unknown> = {}, args: Record<string, unknown> = {}, version = '1.1.0'): Promise<{ result: Result; ns: string; path: string; conf: string; env: Record<string, string> }> {
  const c = await e.container(id);
  const conf = JSON.stringify(calicoConf(e, version, extra));
  const env = cniEnv(e, 'ADD', id, c.path, { CNI_ARGS: podArgs('default', pod, args) });
  const r = await e.run('calico', env, conf);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return { result: r.json as Result, ns: c.name, path: c.path, conf, env };
}

async function del(x: { conf: string; env: Record<string, string> }): Promise<void> {
  const r = await e.run('calico', { ...x.env, CNI_COMMAND: 'DEL' }, x.conf);
  assert.equal(r.code, 0, r.stdout);
}

describe('STATUS', () => {
  test('ready when the datastore answers and a pool can serve addresses', async () => {
    const r = await e.run('calico', { CNI_COMMAND: 'STATUS', CNI_PATH: e.binDir }, JSON.stringify(calicoConf(e, '1.1.0')));
    assert.deepEqual([r.code, r.stdout], [0, '']);
  });

  test('code 50 when the datastore cannot be opened', async () => {
    const conf = calicoConf(e, '1.1.0', { datastore_type: 'etcdv3', etcd_endpoints: 'http://' });
    const r = await e.run('calico', { CNI_COMMAND: 'STATUS', CNI_PATH: e.binDir }, JSON.stringify(conf));
    assert.equal(r.code, 1);
    assert.equal((r.json as { code: number }).code, 50);
  });
});

describe('GC', () => {
  test('releases the addresses and endpoints of containers that are no longer valid attachments', async () => {
    const keep = await add('gckeep', 'keep');
    const stale = await add('gcstale', 'stale');
    const gcConf = { ...(JSON.parse(keep.conf) as object), 'cni.dev/valid-attachments': [{ containerID: 'gckeep', ifname: 'eth0' }] };
    const r = await e.run('calico', { CNI_COMMAND: 'GC', CNI_PATH: e.binDir }, JSON.stringify(gcConf));
    assert.deepEqual([r.code, r.stdout], [0, '']);
    const handles = (await e.ds.list({ kind: 'IPAMHandle' })).items.map((h) => h.metadata.name);
    assert.deepEqual(handles, ['k8s-pod-network.gckeep']);
    const weps = (await e.ds.list({ kind: 'WorkloadEndpoint' })).items.map((w) => w.metadata.name);
    assert.deepEqual(weps, ['node--1-k8s-keep-eth0']);
    await del(keep);
    await del(stale);
  });
});

describe('IPv6', () => {
  test('dual stack: a /128 in the pod, default route via the host end link-local, NDP proxy on the host', async () => {
    const p = await add('v6', 'dual', { ipam: { type: 'calico-ipam', assign_ipv4: 'true', assign_ipv6: 'true' } });
    const v6 = p.result.ips.find((i) => i.address.includes(':'))?.address ?? '';
    assert.match(v6, /^fd00:77::[0-9a-f]+\/128$/);
    assert.match(await e.lab.must(p.ns, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0']), new RegExp(`inet6 ${v6} `));
    assert.match(await e.lab.must(p.ns, ['ip', '-6', 'route', 'show', 'default']), /default via fe80::ecee:eeff:feee:eeee dev eth0/);
    const veth = p.result.interfaces?.[0]?.name ?? '';
    assert.match(await e.lab.must(e.hostNs, ['ip', '-6', 'addr', 'show', 'dev', veth]), /fe80::ecee:eeff:feee:eeee\/64/);
    for (const s of ['proxy_ndp', 'forwarding']) assert.equal((await e.lab.must(e.hostNs, ['cat', `/proc/sys/net/ipv6/conf/${veth}/${s}`])).trim(), '1');
    assert.equal((await e.lab.must(e.hostNs, ['cat', `/proc/sys/net/ipv6/conf/${veth}/accept_dad`])).trim(), '0');
    assert.match(await e.lab.must(e.hostNs, ['ip', '-d', '-6', 'route', 'show', v6]), new RegExp(`dev ${veth} proto boot`));
    await e.lab.must(e.hostNs, ['ping', '-6', '-c', '1', '-W', '2', v6.split('/')[0] ?? '']);
    await del(p);
  });
});

describe('pool choice', () => {
  const inBlue = (r: Result): boolean => (r.ips[0]?.address ?? '').startsWith('10.78.0.');

  test('ipam.ipv4_pools by name draws from that pool, even a Manual one', async () => {
    const p = await add('poolconf', 'pc', { ipam: { type: 'calico-ipam', ipv4_pools: ['blue'] } });
    assert.ok(inBlue(p.result), JSON.stringify(p.result));
    await del(p);
  });

  test('the cni.projectcalico.org/ipv4pools annotation (K8S_POD_ANNOTATIONS) overrides the configuration', async () => {
    const p = await add('poolann', 'pa', {}, { K8S_POD_ANNOTATIONS: { 'cni.projectcalico.org/ipv4pools': '["10.78.0.0/24"]' } });
    assert.ok(inBlue(p.result), JSON.stringify(p.result));
    await del(p);
  });

  test('without a choice a Manual pool is never used', async () => {
    const p = await add('poolnone', 'pn');
    assert.ok((p.result.ips[0]?.address ?? '').startsWith('10.77.0.'));
    await del(p);
  });

  test('IP= in CNI_ARGS asks for one address', async () => {
    const p = await add('ipargs', 'ia', {}, { IP: '10.77.0.200' });
    assert.equal(p.result.ips[0]?.address, '10.77.0.200/32');
    await del(p);
  });
});

describe('delegated and standalone IPAM', () => {
  test('host-local from CNI_PATH gives the address; DEL gives it back', async () => {
    const dataDir = join(e.dir, 'host-local');
    // Debian's host-local speaks CNI up to 1.0.0.
    const p = await add('hostlocal', 'hl', { ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }]], dataDir } }, {}, '1.0.0');
    assert.match(p.result.ips[0]?.address ?? '', /^10\.99\.0\.\d+\/32$/);
    assert.match(await e.lab.must(p.ns, ['ip', '-o', 'addr', 'show', 'dev', 'eth0']), /inet 10\.99\.0\.\d+\/32/);
    await del(p);
    const left = await e.lab.must(e.hostNs, ['ls', join(dataDir, 'k8s-pod-network')]);
    assert.doesNotMatch(left, /10\.99\.0\./);
  });

  test('calico-ipam alone returns the block prefix and a route per address, and releases on DEL', async () => {
    const conf = JSON.stringify(calicoConf(e, '1.0.0', { type: 'calico-ipam' }));
    const env = cniEnv(e, 'ADD', 'ipamonly', '/var/run/netns/unused', { CNI_ARGS: podArgs('default', 'ipamonly') });
    const r = await e.run('calico-ipam', env, conf);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = r.json as Result & { interfaces?: unknown };
    assert.equal(result.interfaces, undefined);
    assert.match(result.ips[0]?.address ?? '', /^10\.77\.0\.\d+\/28$/);
    assert.deepEqual(result.routes, [{ dst: result.ips[0]?.address }]);
    const attrs = await e.ds.get({ kind: 'IPAMHandle', name: 'k8s-pod-network.ipamonly' });
    assert.ok(attrs);
    assert.equal((await e.run('calico-ipam', { ...env, CNI_COMMAND: 'DEL' }, conf)).code, 0);
    assert.equal(await e.ds.get({ kind: 'IPAMHandle', name: 'k8s-pod-network.ipamonly' }), undefined);
  });

  test('VERSION of both binaries lists 1.1.0', async () => {
    for (const bin of ['calico', 'calico-ipam']) {
      const r = await e.run(bin, { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.1.0"}');
      assert.deepEqual((r.json as { supportedVersions: string[] }).supportedVersions.at(-1), '1.1.0');
    }
  });
});
