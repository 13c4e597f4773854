// `calico` first in a .conflist, followed by the reference plugins portmap,
// bandwidth and tuning (Debian's containernetworking-plugins), each invoked
// here as libcni invokes it: the plugin object with cniVersion and name,
// runtimeConfig from its capabilities, and the previous plugin's result as
// prevResult — for ADD in order, CHECK in order and DEL in reverse.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { calicoConf, cniEnv, podArgs, setUp, CNI_BIN_DIR, type Env, type PluginRun } from './harness.js';

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

type Obj = Record<string, unknown>;

/** libcni's buildOneConfig: name and version from the list, runtimeConfig for declared capabilities, prevResult. */
function requestConfig(list: Obj, plugin: Obj, runtimeArgs: Obj, prevResult: unknown): string {
  const { capabilities, ...rest } = plugin as { capabilities?: Record<string, boolean> } & Obj;
  const runtimeConfig: Obj = {};
  for (const [cap, on] of Object.entries(capabilities ?? {})) if (on && runtimeArgs[cap] !== undefined) runtimeConfig[cap] = runtimeArgs[cap];
  return JSON.stringify({
    ...rest,
    cniVersion: list['cniVersion'],
    name: list['name'],
    ...(Object.keys(runtimeConfig).length > 0 ? { runtimeConfig } : {}),
    ...(prevResult === undefined ? {} : { prevResult }),
  });
}

async function runList(list: Obj, command: 'ADD' | 'CHECK' | 'DEL', env: Record<string, string>, runtimeArgs: Obj, addResult?: unknown): Promise<{ result: unknown; runs: PluginRun[] }> {
  const plugins = list['plugins'] as Obj[];
  const ordered = command === 'DEL' ? [...plugins].reverse() : plugins;
  let prev: unknown = command === 'ADD' ? undefined : addResult;
  const runs: PluginRun[] = [];
  for (const p of ordered) {
    const type = p['type'] as string;
    // portmap 1.1.1 (Debian) cannot CHECK its own rules: it looks for the IPv4
    // DNAT rules in the IPv6 table ("could not check ipv6 dnat: rule … not
    // found"), whatever came before it. Its ADD and DEL are checked below.
    if (command === 'CHECK' && type === 'portmap') continue;
    const path = type === 'calico' ? 'calico' : `${CNI_BIN_DIR}/${type}`;
    const r = await e.run(path, { ...env, CNI_COMMAND: command }, requestConfig(list, p, runtimeArgs, prev));
    runs.push(r);
    assert.equal(r.code, 0, `${type} ${command} failed: ${r.stdout} ${r.stderr}`);
    if (command === 'ADD') prev = r.json;
  }
  return { result: prev, runs };
}

test('portmap, bandwidth and tuning work after calico, and the chain deletes cleanly', { skip: !existsSync(`${CNI_BIN_DIR}/portmap`) && 'containernetworking-plugins not installed' }, async () => {
  const c = await e.container('chain');
  // Dual stack, so the chain carries both families.
  const { type: _t, cniVersion: _v, name: _n, ...calico } = calicoConf(e, '1.0.0', { ipam: { type: 'calico-ipam', assign_ipv6: 'true' } });
  const list: Obj = {
    cniVersion: '1.0.0',
    name: 'k8s-pod-network',
    plugins: [
      { type: 'calico', ...calico },
      { type: 'portmap', snat: true, capabilities: { portMappings: true } },
      { type: 'bandwidth', capabilities: { bandwidth: true } },
      { type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.arp_ignore': '1' } },
    ],
  };
  const runtimeArgs: Obj = {
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000 },
  };
  const env = cniEnv(e, 'ADD', 'chain1', c.path, { CNI_ARGS: podArgs('default', 'chained') });

  const { result, runs } = await runList(list, 'ADD', env, runtimeArgs);
  // Every plugin received calico's result and passed it on.
  const calicoResult = runs[0]?.json as { interfaces: { name: string }[]; ips: { address: string }[] };
  const final = result as { interfaces: { name: string }[]; ips: { address: string }[] };
  assert.deepEqual(final.ips, calicoResult.ips);
  assert.deepEqual(final.interfaces.slice(0, 2), calicoResult.interfaces);
  const hostVeth = calicoResult.interfaces[0]?.name ?? '';
  const podIp = (calicoResult.ips[0]?.address ?? '').split('/')[0] ?? '';

  // portmap: DNAT of host port 8080 to the pod's address in the host namespace.
  const nat = await e.lab.must(e.hostNs, ['iptables-save', '-t', 'nat']);
  assert.match(nat, new RegExp(`--dport 8080 .*--to-destination ${podIp.replaceAll('.', '\\.')}:80`));
  assert.equal(calicoResult.ips.length, 2);
  // bandwidth: a token bucket on the host end of calico's veth.
  assert.match(await e.lab.must(e.hostNs, ['tc', 'qdisc', 'show', 'dev', hostVeth]), /qdisc tbf/);
  // tuning: the sysctl inside the pod.
  assert.equal((await e.lab.must(c.name, ['cat', '/proc/sys/net/ipv4/conf/eth0/arp_ignore'])).trim(), '1');

  await runList(list, 'CHECK', env, runtimeArgs, result);
  await runList(list, 'DEL', env, runtimeArgs, result);
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
