// ipAddrsNoIpam and floatingIPs through the real plugin binary, as a runtime
// runs it: what lands in the pod, in the WorkloadEndpoint and in IPAM, and
// that a refused annotation leaves nothing behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { workloadEndpointKind } from '../../src/api/kinds/workload-endpoint.js';
import { calicoConf, cniEnv, podArgs, setUp, type Env, type PluginRun } from './harness.js';

let e: Env;
before(async () => {
  e = await setUp('cniann', [
    { name: 'default-ipv4-ippool', cidr: '10.77.0.0/24', blockSize: 28 },
    { name: 'default-ipv6-ippool', cidr: 'fd00:77::/120', blockSize: 122 },
  ]);
});
after(async () => {
  await e.cleanup();
});

const FEATURES = { feature_control: { ip_addrs_no_ipam: true, floating_ips: true } };

interface Pod {
  readonly run: PluginRun;
  readonly ns: string;
  readonly conf: string;
  readonly env: Record<string, string>;
}

async function add(id: string, pod: string, annotations: Record<string, string>, extra: Record<string, unknown> = FEATURES): Promise<Pod> {
  const c = await e.container(id);
  const conf = JSON.stringify(calicoConf(e, '1.0.0', extra));
  const env = cniEnv(e, 'ADD', id, c.path, { CNI_ARGS: podArgs('default', pod, { K8S_POD_ANNOTATIONS: annotations }) });
  return { run: await e.run('calico', env, conf), ns: c.name, conf, env };
}

async function del(p: Pod): Promise<void> {
  const r = await e.run('calico', { ...p.env, CNI_COMMAND: 'DEL' }, p.conf);
  assert.equal(r.code, 0, r.stdout);
}

const handles = async (): Promise<string[]> => (await e.ds.list({ kind: 'IPAMHandle' })).items.map((h) => h.metadata.name).sort();
const wepSpec = async (pod: string): Promise<Record<string, unknown> | undefined> =>
  (await e.ds.get({ kind: 'WorkloadEndpoint', namespace: 'default', name: `node--1-k8s-${pod}-eth0` }))?.spec as Record<string, unknown> | undefined;

function refusedWith(r: PluginRun, msg: string): void {
  assert.notEqual(r.code, 0);
  assert.deepEqual([(r.json as { code?: number }).code, (r.json as { msg?: string }).msg], [7, msg]);
}

async function nothingLeft(): Promise<void> {
  assert.deepEqual(await handles(), []);
  assert.deepEqual((await e.ds.list({ kind: 'WorkloadEndpoint' })).items, []);
  assert.doesNotMatch(await e.lab.must(e.hostNs, ['ip', '-o', 'link', 'show']), /cali/);
}

describe('ipAddrsNoIpam', () => {
  test('the pod gets exactly the annotated addresses; IPAM is not asked, and DEL releases nothing', async () => {
    // Another container holds 10.77.0.60 in IPAM: the annotation does not care, and DEL must not take it away.
    const holder = cniEnv(e, 'ADD', 'holder', '/var/run/netns/unused', { CNI_ARGS: podArgs('default', 'holder', { IP: '10.77.0.60' }) });
    const ipamConf = JSON.stringify(calicoConf(e, '1.0.0', { type: 'calico-ipam' }));
    assert.equal((await e.run('calico-ipam', holder, ipamConf)).code, 0);

    const p = await add('noipam', 'fixed', { 'cni.projectcalico.org/ipAddrsNoIpam': '["10.77.0.60", "fd00:99::7"]' });
    assert.equal(p.run.code, 0, p.run.stdout + p.run.stderr);
    assert.deepEqual((p.run.json as { ips: { address: string }[] }).ips.map((i) => i.address), ['10.77.0.60/32', 'fd00:99::7/128']);
    assert.match(await e.lab.must(p.ns, ['ip', '-o', 'addr', 'show', 'dev', 'eth0']), /inet 10\.77\.0\.60\/32 .*\n.*inet6 fd00:99::7\/128 /s);
    assert.deepEqual((await wepSpec('fixed'))?.['ipNetworks'], ['10.77.0.60/32', 'fd00:99::7/128']);
    assert.deepEqual(await handles(), ['k8s-pod-network.holder']);

    const check = await e.run('calico', { ...p.env, CNI_COMMAND: 'CHECK' }, JSON.stringify({ ...(JSON.parse(p.conf) as object), prevResult: p.run.json }));
    assert.equal(check.code, 0, check.stdout);

    await del(p);
    assert.equal(await wepSpec('fixed'), undefined);
    const held = await e.run('calico-ipam', { ...holder, CNI_COMMAND: 'CHECK' }, JSON.stringify({ ...(JSON.parse(ipamConf) as object), prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.77.0.60/32' }] } }));
    assert.equal(held.code, 0, `the holder still has its address: ${held.stdout}`);
    assert.equal((await e.run('calico-ipam', { ...holder, CNI_COMMAND: 'DEL' }, ipamConf)).code, 0);
  });

  const refusals: readonly [string, Record<string, string>, Record<string, unknown>, string][] = [
    ['without feature_control.ip_addrs_no_ipam', { 'cni.projectcalico.org/ipAddrsNoIpam': '["10.77.0.61"]' }, {}, 'requested feature is not enabled: ip_addrs_no_ipam'],
    [
      'together with ipAddrs',
      { 'cni.projectcalico.org/ipAddrsNoIpam': '["10.77.0.61"]', 'cni.projectcalico.org/ipAddrs': '["10.77.0.62"]' },
      FEATURES,
      "can't have both annotations: 'ipAddrs' and 'ipAddrsNoIpam' in use at the same time",
    ],
    [
      'with an IPAM other than calico-ipam',
      { 'cni.projectcalico.org/ipAddrsNoIpam': '["10.77.0.61"]' },
      { ...FEATURES, ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }]] } },
      'ipAddrsNoIpam is not compatible with configured IPAM: host-local',
    ],
  ];
  for (const [name, annotations, extra, msg] of refusals) {
    test(`refused ${name}: code 7, upstream's message, nothing left`, async () => {
      refusedWith((await add(`r${refusals.findIndex((r) => r[0] === name)}`, 'refused', annotations, extra)).run, msg);
      await nothingLeft();
    });
  }

  test('a runtime other than Kubernetes cannot turn the feature on', async () => {
    const c = await e.container('plaincni');
    const r = await e.run('calico', cniEnv(e, 'ADD', 'plain', c.path), JSON.stringify(calicoConf(e, '1.0.0', FEATURES)));
    refusedWith(r, 'requested feature is not supported for this runtime: ip_addrs_no_ipam');
    await nothingLeft();
  });
});

describe('floatingIPs', () => {
  test("each floating IP becomes an ipNATs pair with the pod's address of its family", async () => {
    const p = await add('fip', 'web', { 'cni.projectcalico.org/floatingIPs': '["172.16.0.9", "fd00:fe::9"]' }, {
      ...FEATURES,
      ipam: { type: 'calico-ipam', assign_ipv4: 'true', assign_ipv6: 'true' },
    });
    assert.equal(p.run.code, 0, p.run.stdout + p.run.stderr);
    const ips = (p.run.json as { ips: { address: string }[] }).ips.map((i) => i.address.split('/')[0]);
    const spec = await wepSpec('web');
    assert.deepEqual(spec?.['ipNATs'], [
      { internalIP: ips.find((i) => !i?.includes(':')), externalIP: '172.16.0.9' },
      { internalIP: ips.find((i) => i?.includes(':')), externalIP: 'fd00:fe::9' },
    ]);
    const wep = await e.ds.get({ kind: 'WorkloadEndpoint', namespace: 'default', name: 'node--1-k8s-web-eth0' });
    const { uid: _u, creationTimestamp: _c, resourceVersion: _r, ...metadata } = wep?.metadata ?? { name: '' };
    assert.ok(workloadEndpointKind.validate({ ...wep, metadata }).ok, 'the endpoint passes Calico validation');
    await del(p);
    await nothingLeft();
  });

  const refusals: readonly [string, string, Record<string, unknown>, string][] = [
    ['without feature_control.floating_ips', '["172.16.0.9"]', {}, 'requested feature is not enabled: floating_ips'],
    ['for a family the pod has no address in', '["fd00:fe::9"]', FEATURES, 'floating IP fd00:fe::9 is IPv6 but the pod has no IPv6 address'],
  ];
  for (const [i, [name, value, extra, msg]] of refusals.entries()) {
    test(`refused ${name}: code 7, and the addresses IPAM gave are returned`, async () => {
      refusedWith((await add(`fr${i}`, 'fipref', { 'cni.projectcalico.org/floatingIPs': value }, extra)).run, msg);
      await nothingLeft();
    });
  }
});
