// `calico` first in a .conflist, followed by the reference plugins portmap,
// bandwidth and tuning (Debian's containernetworking-plugins), each invoked
// as libcni invokes it (src/cni/libcni.ts): the plugin object with cniVersion
// and name, runtimeConfig from its capabilities, and the previous plugin's
// result as prevResult — for ADD in order, CHECK in order and DEL in reverse.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { addNetworkList, checkNetworkList, delNetworkList, type NetworkList, type RuntimeOptions } from '../../src/cni/libcni.js';
import { calicoConf, cniEnv, podArgs, setUp, CNI_BIN_DIR, type Env } from './harness.js';

let e: Env;
before(async () => {
  e = await setUp('cnichain', [
    { name: 'default-ipv4-ippool', cidr: '10.77.0.0/24', blockSize: 28 },
    { name: 'default-ipv6-ippool', cidr: 'fd00:77::/120', blockSize: 122 },
  ]);
});
after(async () => {
  await e.cleanup();
});


test('portmap, bandwidth and tuning work after calico, and the chain deletes cleanly', async () => {
  // scripts/install-deps.sh installs Debian's containernetworking-plugins; a missing one is a failure, not a skip.
  for (const p of ['portmap', 'bandwidth', 'tuning']) assert.ok(existsSync(`${CNI_BIN_DIR}/${p}`), `${CNI_BIN_DIR}/${p} is missing`);
  const c = await e.container('chain');
  // Dual stack, so the chain carries both families.
  const { type: _t, cniVersion: _v, name: _n, ...calico } = calicoConf(e, '1.0.0', { ipam: { type: 'calico-ipam', assign_ipv6: 'true' } });
  const list: NetworkList = {
    cniVersion: '1.0.0',
    name: 'k8s-pod-network',
    plugins: [
      { type: 'calico', ...calico },
      { type: 'portmap', snat: true, capabilities: { portMappings: true } },
      { type: 'bandwidth', capabilities: { bandwidth: true } },
      { type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.arp_ignore': '1' } },
    ],
  };
  const attachment = {
    containerId: 'chain1',
    netns: c.path,
    ifName: 'eth0',
    args: podArgs('default', 'chained'),
    capabilityArgs: {
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
      bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000 },
    },
  };
  const runtime: RuntimeOptions = { cniPath: [e.binDir, CNI_BIN_DIR], hostNetns: e.hostNs };

  // Every plugin received calico's result and passed it on to the end.
  const result = (await addNetworkList(list, attachment, runtime)) as { interfaces: { name: string; sandbox?: string }[]; ips: { address: string; interface?: number }[] };
  const hostVeth = `cali${createHash('sha1').update('default.chained').digest('hex').slice(0, 11)}`;
  assert.deepEqual(result.interfaces.slice(0, 2).map((i) => [i.name, i.sandbox]), [[hostVeth, undefined], ['eth0', c.path]]);
  assert.equal(result.ips.length, 2);
  assert.ok(result.ips.every((i) => i.interface === 1 && /\/(32|128)$/.test(i.address)));
  const podIp = result.ips.find((i) => !i.address.includes(':'))?.address.split('/')[0] ?? '';

  // portmap: DNAT of host port 8080 to the pod's address in the host namespace.
  const nat = await e.lab.must(e.hostNs, ['iptables-save', '-t', 'nat']);
  assert.match(nat, new RegExp(`--dport 8080 .*--to-destination ${podIp.replaceAll('.', '\\.')}:80`));
  // bandwidth: a token bucket on the host end of calico's veth.
  assert.match(await e.lab.must(e.hostNs, ['tc', 'qdisc', 'show', 'dev', hostVeth]), /qdisc tbf/);
  // tuning: the sysctl inside the pod.
  assert.equal((await e.lab.must(c.name, ['cat', '/proc/sys/net/ipv4/conf/eth0/arp_ignore'])).trim(), '1');

  // portmap 1.1.1 (Debian) cannot CHECK its own rules: it looks for the IPv4
  // DNAT rules in the IPv6 table ("could not check ipv6 dnat: rule … not
  // found"), whatever came before it; the rest of the list is checked.
  await checkNetworkList({ ...list, plugins: list.plugins.filter((p) => p['type'] !== 'portmap') }, attachment, result, runtime);
  await delNetworkList(list, attachment, result, runtime);
  assert.doesNotMatch(await e.lab.must(e.hostNs, ['iptables-save', '-t', 'nat']), /--dport 8080/);
  assert.equal((await e.lab.exec(e.hostNs, ['ip', 'link', 'show', hostVeth])).code, 1);
  assert.deepEqual((await e.ds.list({ kind: 'IPAMHandle' })).items, []);
  assert.deepEqual((await e.ds.list({ kind: 'WorkloadEndpoint' })).items, []);
});

test('a prevResult given to calico CHECK is checked: a pod that lost its address fails', async () => {
  const c = await e.container('check');
  const conf = calicoConf(e, '1.0.0');
  const env = cniEnv(e, 'ADD', 'check1', c.path, { CNI_ARGS: podArgs('default', 'checked') });
  const add = await e.run('calico', env, JSON.stringify(conf));
  assert.equal(add.code, 0, add.stdout);
  const ok = await e.run('calico', { ...env, CNI_COMMAND: 'CHECK' }, JSON.stringify({ ...conf, prevResult: add.json }));
  assert.equal(ok.code, 0, ok.stdout);
  assert.equal(ok.stdout, '');
  const address = (add.json as { ips: { address: string }[] }).ips[0]?.address ?? '';
  await e.lab.must(c.name, ['ip', 'addr', 'del', address, 'dev', 'eth0']);
  const bad = await e.run('calico', { ...env, CNI_COMMAND: 'CHECK' }, JSON.stringify({ ...conf, prevResult: add.json }));
  assert.equal(bad.code, 1);
  assert.match((bad.json as { msg: string }).msg, new RegExp(`address ${address} is missing from eth0`));
  assert.equal((await e.run('calico', { ...env, CNI_COMMAND: 'DEL' }, JSON.stringify(conf))).code, 0);
});
