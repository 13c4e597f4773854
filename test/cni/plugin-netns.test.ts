// The `calico` plugin run as a runtime runs it, inside a test-made host
// namespace, wiring test-made container namespaces: for every CNI version,
// the host side, the pod side and the WorkloadEndpoint are Calico's, and DEL
// takes all of it away again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { workloadEndpointKind } from '../../src/api/kinds/workload-endpoint.js';
import { calicoConf, cniEnv, podArgs, setUp, NODE, type Env } from './harness.js';

let e: Env;
before(async () => {
  e = await setUp('cni');
});
after(async () => {
  await e.cleanup();
});

async function sysctl(ns: string, path: string): Promise<string> {
  return (await e.lab.must(ns, ['cat', `/proc/sys/${path}`])).trim();
}

async function allocatedHandles(): Promise<string[]> {
  return (await e.ds.list({ kind: 'IPAMHandle' })).items.map((h) => h.metadata.name);
}

const VERSIONS = ['0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

describe('ADD and DEL in every CNI version', () => {
  for (const [i, version] of VERSIONS.entries()) {
    test(`cniVersion ${version}: pod wired through 169.254.1.1 by proxy ARP, then removed`, async () => {
      const c = await e.container(`v${i}`);
      const pod = `web-${i}`;
      const id = `ctr${i}`;
      const conf = JSON.stringify(calicoConf(e, version));
      const args = podArgs('default', pod);
      const add = await e.run('calico', cniEnv(e, 'ADD', id, c.path, { CNI_ARGS: args }), conf);
      assert.equal(add.code, 0, add.stdout + add.stderr);
      const r = add.json ?? {};
      assert.equal(r['cniVersion'], version);
      const veth = `cali${createHash('sha1').update(`default.${pod}`).digest('hex').slice(0, 11)}`;
      let ip: string;
      if (version === '0.2.0') {
        ip = ((r['ip4'] as { ip: string }).ip ?? '').split('/')[0] ?? '';
      } else {
        const ips = r['ips'] as { address: string; interface: number; version?: string }[];
        assert.equal(ips.length, 1);
        assert.match(ips[0]?.address ?? '', /^10\.77\.0\.\d+\/32$/);
        assert.equal(ips[0]?.interface, 1);
        assert.equal(ips[0]?.version, version.startsWith('0.') ? '4' : undefined);
        const ifs = r['interfaces'] as { name: string; sandbox?: string; mac?: string }[];
        assert.equal(ifs[0]?.name, veth);
        assert.deepEqual([ifs[1]?.name, ifs[1]?.sandbox], ['eth0', c.path]);
        ip = (ips[0]?.address ?? '').split('/')[0] ?? '';
      }

      // Pod side: the address as /32, a link route to the gateway and the default route through it.
      const addrs = await e.lab.must(c.name, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.match(addrs, new RegExp(`inet ${ip.replaceAll('.', '\\.')}/32 `));
      const routes = await e.lab.must(c.name, ['ip', '-4', 'route', 'show']);
      assert.match(routes, /^default via 169\.254\.1\.1 dev eth0/m);
      assert.match(routes, /^169\.254\.1\.1 dev eth0 scope link/m);
      assert.equal(await sysctl(c.name, 'net/ipv4/ip_forward'), '0');
      assert.match(await e.lab.must(c.name, ['ip', 'link', 'show', 'eth0']), /mtu 1450/);

      // Host side, in the host namespace and nowhere else.
      const link = await e.lab.must(e.hostNs, ['ip', 'link', 'show', veth]);
      assert.match(link, /link\/ether ee:ee:ee:ee:ee:ee/);
      assert.match(link, /state UP/);
      for (const [path, want] of [
        [`net/ipv4/conf/${veth}/proxy_arp`, '1'],
        [`net/ipv4/conf/${veth}/forwarding`, '1'],
        [`net/ipv4/conf/${veth}/route_localnet`, '1'],
        [`net/ipv4/neigh/${veth}/proxy_delay`, '0'],
        [`net/ipv6/conf/${veth}/accept_ra`, '0'],
      ] as const) {
        assert.equal(await sysctl(e.hostNs, path), want, path);
      }
      const hostRoute = await e.lab.must(e.hostNs, ['ip', '-d', 'route', 'show', `${ip}/32`]);
      assert.match(hostRoute, new RegExp(`dev ${veth} proto boot scope link`));
      // The host pings the pod across the veth (proxy ARP answers the pod's ARP for 169.254.1.1).
      await e.lab.must(e.hostNs, ['ping', '-c', '1', '-W', '2', ip]);

      const del = await e.run('calico', cniEnv(e, 'DEL', id, c.path, { CNI_ARGS: args }), conf);
      assert.equal(del.code, 0, del.stdout + del.stderr);
      assert.equal(del.stdout, '');
      assert.equal((await e.lab.exec(e.hostNs, ['ip', 'link', 'show', veth])).code, 1);
      assert.equal((await e.lab.exec(c.name, ['ip', 'link', 'show', 'eth0'])).code, 1);
      assert.deepEqual(await allocatedHandles(), []);
      assert.equal((await e.ds.list({ kind: 'WorkloadEndpoint' })).items.length, 0);
    });
  }
});

describe('the WorkloadEndpoint', () => {
  test("is named, labelled and profiled as Calico's Kubernetes conversion does", async () => {
    const c = await e.container('wep');
    const conf = JSON.stringify(calicoConf(e, '1.0.0'));
    const args = podArgs('shop', 'cart-7d9f', {
      K8S_POD_LABELS: { app: 'cart', tier: 'backend' },
      K8S_POD_SERVICE_ACCOUNT: 'cart-sa',
      K8S_POD_PORTS: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { containerPort: 9999 }],
    });
    const add = await e.run('calico', cniEnv(e, 'ADD', 'wep1', c.path, { CNI_ARGS: args }), conf);
    assert.equal(add.code, 0, add.stdout + add.stderr);
    const wep = await e.ds.get({ kind: 'WorkloadEndpoint', namespace: 'shop', name: 'node--1-k8s-cart--7d9f-eth0' });
    assert.ok(wep, 'WorkloadEndpoint written');
    const mac = (await e.lab.must(c.name, ['cat', '/sys/class/net/eth0/address'])).trim();
    const result = add.json as { ips: { address: string }[] };
    assert.deepEqual(wep.metadata.labels, {
      app: 'cart',
      tier: 'backend',
      'projectcalico.org/namespace': 'shop',
      'projectcalico.org/orchestrator': 'k8s',
      'projectcalico.org/serviceaccount': 'cart-sa',
    });
    assert.deepEqual(wep.spec, {
      orchestrator: 'k8s',
      node: NODE,
      pod: 'cart-7d9f',
      endpoint: 'eth0',
      containerID: 'wep1',
      ipNetworks: [result.ips[0]?.address],
      profiles: ['kns.shop', 'ksa.shop.cart-sa'],
      interfaceName: `cali${createHash('sha1').update('shop.cart-7d9f').digest('hex').slice(0, 11)}`,
      mac,
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      serviceAccountName: 'cart-sa',
    });
    // What the plugin writes passes Calico's own validation of the kind.
    const { uid: _u, creationTimestamp: _c, resourceVersion: _r, ...metadata } = wep.metadata;
    const valid = workloadEndpointKind.validate({ ...wep, metadata });
    assert.ok(valid.ok, JSON.stringify(valid));
    const del = await e.run('calico', cniEnv(e, 'DEL', 'wep1', c.path, { CNI_ARGS: args }), conf);
    assert.equal(del.code, 0, del.stdout);
  });

  test('without a policy type it carries the network profile, which the plugin creates', async () => {
    const c = await e.container('prof');
    const conf = JSON.stringify(calicoConf(e, '1.0.0', { policy: {} }));
    const env = cniEnv(e, 'ADD', 'prof1', c.path, { CNI_ARGS: podArgs('default', 'p', { K8S_POD_LABELS: { app: 'x' } }) });
    const add = await e.run('calico', env, conf);
    assert.equal(add.code, 0, add.stdout + add.stderr);
    const wep = await e.ds.get({ kind: 'WorkloadEndpoint', namespace: 'default', name: 'node--1-k8s-p-eth0' });
    assert.deepEqual((wep?.spec as { profiles: string[] }).profiles, ['k8s-pod-network']);
    assert.equal(wep?.metadata.labels, undefined);
    const profile = await e.ds.get({ kind: 'Profile', name: 'k8s-pod-network' });
    assert.deepEqual(profile?.spec, { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply: { 'k8s-pod-network': '' } });
    assert.equal((await e.run('calico', { ...env, CNI_COMMAND: 'DEL' }, conf)).code, 0);
  });
});

describe('idempotency', () => {
  test('a repeated ADD for the same container returns the same address and keeps one allocation', async () => {
    const c = await e.container('again');
    const conf = JSON.stringify(calicoConf(e, '1.0.0'));
    const env = cniEnv(e, 'ADD', 'again1', c.path, { CNI_ARGS: podArgs('default', 'again') });
    const first = await e.run('calico', env, conf);
    const second = await e.run('calico', env, conf);
    assert.equal(first.code, 0, first.stdout);
    assert.equal(second.code, 0, second.stdout);
    const addr = (r: typeof first): string | undefined => (r.json as { ips: { address: string }[] }).ips[0]?.address;
    assert.equal(addr(second), addr(first));
    assert.match(await e.lab.must(c.name, ['ip', '-o', 'addr', 'show', 'dev', 'eth0']), new RegExp(`inet ${addr(first)}`));
    const handle = await e.ds.get({ kind: 'IPAMHandle', name: 'k8s-pod-network.again1' });
    assert.deepEqual(Object.values((handle?.spec as { block: Record<string, number> }).block), [1]);
    assert.equal((await e.run('calico', { ...env, CNI_COMMAND: 'DEL' }, conf)).code, 0);
  });

  test('DEL succeeds twice, after the namespace is gone, and when ADD never ran', async () => {
    const c = await e.container('gone');
    const conf = JSON.stringify(calicoConf(e, '1.0.0'));
    const env = cniEnv(e, 'ADD', 'gone1', c.path, { CNI_ARGS: podArgs('default', 'gone') });
    assert.equal((await e.run('calico', env, conf)).code, 0);
    await e.lab.must(e.hostNs, ['ip', 'netns', 'del', c.name]);
    for (let i = 0; i < 2; i++) {
      const del = await e.run('calico', { ...env, CNI_COMMAND: 'DEL' }, conf);
      assert.equal(del.code, 0, del.stdout);
    }
    assert.deepEqual(await allocatedHandles(), []);
    const never = await e.run('calico', cniEnv(e, 'DEL', 'never1', '/var/run/netns/never-was', { CNI_ARGS: podArgs('default', 'never') }), conf);
    assert.equal(never.code, 0, never.stdout);
    const noNetns = await e.run('calico', { ...cniEnv(e, 'DEL', 'never2', ''), CNI_ARGS: podArgs('default', 'never2') }, conf);
    assert.equal(noNetns.code, 0, noNetns.stdout);
  });

  test('DEL of an older container leaves the endpoint a newer container of the same pod owns', async () => {
    const c = await e.container('newer');
    const conf = JSON.stringify(calicoConf(e, '1.0.0'));
    const args = podArgs('default', 'restarted');
    assert.equal((await e.run('calico', cniEnv(e, 'ADD', 'newer2', c.path, { CNI_ARGS: args }), conf)).code, 0);
    const stale = await e.run('calico', cniEnv(e, 'DEL', 'older1', '', { CNI_ARGS: args }), conf);
    assert.equal(stale.code, 0, stale.stdout);
    const wep = await e.ds.get({ kind: 'WorkloadEndpoint', namespace: 'default', name: 'node--1-k8s-restarted-eth0' });
    assert.equal((wep?.spec as { containerID: string }).containerID, 'newer2');
    assert.equal((await e.run('calico', cniEnv(e, 'DEL', 'newer2', c.path, { CNI_ARGS: args }), conf)).code, 0);
  });
});

describe('namespace paths and pod metadata', () => {
  test('CNI_NETNS as /proc/PID/ns/net of a process in the container works for ADD and DEL', async () => {
    const c = await e.container('procns');
    const sleeper = e.lab.spawn(c.name, ['sleep', '60']);
    const path = `/proc/${sleeper.pid ?? 0}/ns/net`;
    const conf = JSON.stringify(calicoConf(e, '1.0.0'));
    const env = cniEnv(e, 'ADD', 'proc1', path, { CNI_ARGS: podArgs('default', 'byproc') });
    const add = await e.run('calico', env, conf);
    assert.equal(add.code, 0, add.stdout + add.stderr);
    assert.match(await e.lab.must(c.name, ['ip', '-o', 'addr', 'show', 'dev', 'eth0']), /inet 10\.77\.0\.\d+\/32/);
    assert.equal((await e.run('calico', { ...env, CNI_COMMAND: 'DEL' }, conf)).code, 0);
    assert.equal((await e.lab.exec(c.name, ['ip', 'link', 'show', 'eth0'])).code, 1);
    sleeper.kill('SIGKILL');
  });

  test('runtimeConfig.pod gives the labels and service account when CNI_ARGS has none', async () => {
    const c = await e.container('rtconf');
    const conf = JSON.stringify(calicoConf(e, '1.0.0', { runtimeConfig: { pod: { labels: { role: 'db' }, serviceAccountName: 'db-sa' } } }));
    const env = cniEnv(e, 'ADD', 'rt1', c.path, { CNI_ARGS: podArgs('data', 'db-0') });
    assert.equal((await e.run('calico', env, conf)).code, 0);
    const wep = await e.ds.get({ kind: 'WorkloadEndpoint', namespace: 'data', name: 'node--1-k8s-db--0-eth0' });
    assert.equal(wep?.metadata.labels?.['role'], 'db');
    assert.deepEqual((wep?.spec as { profiles: string[] }).profiles, ['kns.data', 'ksa.data.db-sa']);
    assert.equal((await e.run('calico', { ...env, CNI_COMMAND: 'DEL' }, conf)).code, 0);
  });
});
