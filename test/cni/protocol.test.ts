// The CNI protocol and Calico's naming, without namespaces: what a runtime
// sees for each kind of bad input, results in every version, and the names
// Felix must compute identically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch, type Handlers } from '../../src/cni/skel.js';
import { formatResult, parseResult, type CniResult } from '../../src/cni/result.js';
import { delegateArgs, handleId, hostVethName, parseCniArgs, podInfo, workloadEndpointName, type WepIdentifiers } from '../../src/cni/identity.js';
import { datastoreConfigFromEnv } from '../../src/cni/context.js';
import { parseNetConf } from '../../src/cni/netconf.js';
import { CniError } from '../../src/cni/errors.js';

const calls: string[] = [];
const handlers: Handlers = {
  add: async (a) => (calls.push(`ADD ${a.cniVersion}`), '{"ok":true}'),
  del: async () => void calls.push('DEL'),
  check: async () => void calls.push('CHECK'),
  status: async () => void calls.push('STATUS'),
  gc: async () => {
    throw new CniError(51, 'limited');
  },
};

const attach = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
const conf = (v: string | undefined): string => JSON.stringify({ name: 'net', type: 'calico', ...(v === undefined ? {} : { cniVersion: v }) });

const errorCases: { name: string; env: Record<string, string>; stdin: string; code: number; msg: RegExp }[] = [
  { name: 'no CNI_COMMAND', env: {}, stdin: conf('1.0.0'), code: 4, msg: /\[CNI_COMMAND\] missing/ },
  { name: 'unknown command', env: { ...attach, CNI_COMMAND: 'FROB' }, stdin: conf('1.0.0'), code: 4, msg: /unknown CNI_COMMAND: FROB/ },
  { name: 'ADD without container ID and netns', env: { CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0', CNI_PATH: '/x' }, stdin: conf('1.0.0'), code: 4, msg: /\[CNI_CONTAINERID,CNI_NETNS\] missing/ },
  { name: 'DEL without CNI_PATH', env: { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' }, stdin: conf('1.0.0'), code: 4, msg: /\[CNI_PATH\] missing/ },
  { name: 'container ID with bad characters', env: { ...attach, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'a/b' }, stdin: conf('1.0.0'), code: 4, msg: /containerID/ },
  { name: 'interface name too long', env: { ...attach, CNI_COMMAND: 'ADD', CNI_IFNAME: 'a'.repeat(16) }, stdin: conf('1.0.0'), code: 4, msg: /CNI_IFNAME: interface name is too long/ },
  { name: 'malformed JSON', env: { ...attach, CNI_COMMAND: 'ADD' }, stdin: '{"name": ', code: 6, msg: /error unmarshalling network config/ },
  { name: 'JSON that is not an object', env: { ...attach, CNI_COMMAND: 'ADD' }, stdin: '[1]', code: 6, msg: /expected a JSON object/ },
  { name: 'missing network name', env: { ...attach, CNI_COMMAND: 'ADD' }, stdin: '{"cniVersion":"1.0.0"}', code: 7, msg: /missing network name/ },
  { name: 'bad network name', env: { ...attach, CNI_COMMAND: 'ADD' }, stdin: '{"cniVersion":"1.0.0","name":"a b"}', code: 7, msg: /invalid characters found in network name/ },
  { name: 'unknown version', env: { ...attach, CNI_COMMAND: 'ADD' }, stdin: conf('2.0.0'), code: 1, msg: /incompatible CNI versions/ },
  { name: 'CHECK before 0.4.0', env: { ...attach, CNI_COMMAND: 'CHECK' }, stdin: conf('0.3.1'), code: 1, msg: /config version does not allow CHECK/ },
  { name: 'STATUS before 1.1.0', env: { CNI_COMMAND: 'STATUS', CNI_PATH: '/x' }, stdin: conf('1.0.0'), code: 1, msg: /does not allow STATUS/ },
  { name: 'GC before 1.1.0', env: { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, stdin: conf('1.0.0'), code: 1, msg: /does not allow GC/ },
  { name: 'a handler error keeps its code', env: { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, stdin: conf('1.1.0'), code: 51, msg: /limited/ },
];

for (const c of errorCases) {
  test(`protocol error: ${c.name} → code ${c.code}`, async () => {
    const out = await dispatch(handlers, c.env, c.stdin);
    assert.equal(out.exitCode, 1);
    const err = JSON.parse(out.stdout) as { code: number; msg: string; details?: string; cniVersion: string };
    assert.equal(err.code, c.code);
    assert.match(`${err.msg} ${err.details ?? ''}`, c.msg);
    assert.equal(typeof err.cniVersion, 'string');
  });
}

test('VERSION lists every supported version and echoes the asked one', async () => {
  const out = await dispatch(handlers, { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"0.4.0"}');
  assert.deepEqual(JSON.parse(out.stdout), { cniVersion: '0.4.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
});

test('a configuration without cniVersion is read as 0.2.0', async () => {
  calls.length = 0;
  const out = await dispatch(handlers, { ...attach, CNI_COMMAND: 'ADD' }, conf(undefined));
  assert.equal(out.exitCode, 0);
  assert.deepEqual(calls, ['ADD 0.2.0']);
});

test('DEL and CHECK succeed with no output', async () => {
  for (const cmd of ['DEL', 'CHECK']) {
    const out = await dispatch(handlers, { ...attach, CNI_COMMAND: cmd }, conf('1.0.0'));
    assert.deepEqual(out, { stdout: '', exitCode: 0 });
  }
});

const result: CniResult = {
  interfaces: [{ name: 'calia' }, { name: 'eth0', mac: '02:00:00:00:00:01', mtu: 1450, sandbox: '/var/run/netns/p' }],
  ips: [
    { address: '10.0.0.5/32', interface: 1 },
    { address: 'fd00::5/128', interface: 1 },
  ],
  routes: [{ dst: '10.0.0.0/26' }, { dst: 'fd00::/122' }],
  dns: {},
};

test('results per version: 1.1.0 keeps interface MTU, 1.0.0 drops it, 0.4.0 and 0.3.x add ip versions, 0.2.0 has ip4/ip6', () => {
  assert.equal((formatResult(result, '1.1.0')['interfaces'] as { mtu?: number }[])[1]?.mtu, 1450);
  assert.equal((formatResult(result, '1.0.0')['interfaces'] as { mtu?: number }[])[1]?.mtu, undefined);
  for (const v of ['0.3.0', '0.3.1', '0.4.0']) {
    assert.deepEqual(formatResult(result, v)['ips'], [
      { version: '4', interface: 1, address: '10.0.0.5/32' },
      { version: '6', interface: 1, address: 'fd00::5/128' },
    ]);
  }
  assert.deepEqual(formatResult(result, '0.2.0'), {
    cniVersion: '0.2.0',
    ip4: { ip: '10.0.0.5/32', routes: [{ dst: '10.0.0.0/26' }] },
    ip6: { ip: 'fd00::5/128', routes: [{ dst: 'fd00::/122' }] },
  });
});

test('a result read back in any version keeps its addresses and routes', () => {
  for (const v of ['0.2.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']) {
    const back = parseResult(formatResult(result, v));
    assert.deepEqual(back.ips.map((i) => i.address), ['10.0.0.5/32', 'fd00::5/128'], v);
    assert.deepEqual(back.routes.map((r) => r.dst), ['10.0.0.0/26', 'fd00::/122'], v);
  }
});

const k8s = (node: string, pod: string, endpoint = 'eth0'): WepIdentifiers => ({ orchestrator: 'k8s', node, namespace: 'default', pod, containerId: 'c1', endpoint });

test('WorkloadEndpoint names double the dashes of every segment (libcalico-go names)', () => {
  assert.equal(workloadEndpointName(k8s('node-1', 'pod-name')), 'node--1-k8s-pod--name-eth0');
  assert.equal(workloadEndpointName(k8s('ip-10-0-0-1', 'nginx-abc')), 'ip--10--0--0--1-k8s-nginx--abc-eth0');
  assert.equal(workloadEndpointName({ ...k8s('n', ''), orchestrator: 'cni', containerId: 'abc-def' }), 'n-cni-abc--def-eth0');
  assert.throws(() => workloadEndpointName(k8s('node-', 'p')), /must not end with a '-'/);
});

test("host veth names match Felix's: prefix + 11 hex digits of SHA-1(namespace.pod)", () => {
  const ids = { ...k8s('n', 'podname'), namespace: 'namespace' };
  // Upstream's conversion_test.go: FELIX_INTERFACEPREFIX=eni,veth,foo → eni82111e10a96.
  assert.equal(hostVethName(ids, { FELIX_INTERFACEPREFIX: 'eni,veth,foo' }), 'eni82111e10a96');
  assert.equal(hostVethName(ids, {}), 'cali82111e10a96');
  assert.equal(hostVethName({ ...ids, orchestrator: 'cni', containerId: '0123456789abcdef' }, {}), 'cali0123456789a');
  assert.equal(handleId('k8s-pod-network', 'c1'), 'k8s-pod-network.c1');
});

test('CNI_ARGS: unknown keys need IgnoreUnknown, pod metadata is base64url JSON, delegates get neither', () => {
  assert.throws(() => parseCniArgs('FOO=1'), (e: CniError) => e.code === 4 && /unknown args \["FOO"\]/.test(e.message));
  const labels = Buffer.from(JSON.stringify({ app: 'web' })).toString('base64url');
  const ports = Buffer.from(JSON.stringify([{ name: 'http', containerPort: 80 }, { containerPort: 81 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }])).toString('base64url');
  const args = parseCniArgs(`IgnoreUnknown=1;FOO=1;K8S_POD_LABELS=${labels};K8S_POD_PORTS=${ports};K8S_POD_SERVICE_ACCOUNT=sa`);
  const info = podInfo(args, undefined);
  assert.deepEqual(info.labels, { app: 'web' });
  assert.equal(info.serviceAccountName, 'sa');
  assert.deepEqual(info.ports, [
    { name: 'http', protocol: 'TCP', port: 80 },
    { name: 'dns', protocol: 'UDP', port: 53 },
  ]);
  assert.deepEqual(podInfo(args, { pod: { labels: { app: 'db' } } }).labels, { app: 'db' });
  assert.equal(delegateArgs(`K8S_POD_NAME=p;K8S_POD_LABELS=${labels}`), 'IgnoreUnknown=1;K8S_POD_NAME=p');
  assert.throws(() => podInfo(parseCniArgs('K8S_POD_LABELS=%%%'), undefined), (e: CniError) => e.code === 4);
});

test('network configuration: Calico defaults, and a wrong type is an invalid-config error naming the key', () => {
  const c = parseNetConf({ name: 'n', ipam: { type: 'calico-ipam', assign_ipv6: 'true', ipv4_pools: ['p1'] } });
  assert.equal(c.ipam.assignIpv4, true);
  assert.equal(c.ipam.assignIpv6, true);
  assert.deepEqual(c.ipam.ipv4Pools, ['p1']);
  assert.equal(c.numQueues, 1);
  assert.throws(() => parseNetConf({ name: 'n', mtu: 'big' }), (e: CniError) => e.code === 7 && /"mtu"/.test(e.message));
  assert.throws(() => parseNetConf({ name: 'n', device_type: 'tap' }), (e: CniError) => e.code === 7);
});

test('datastore settings: sqlite by default, etcd from endpoints, CALICO_-prefixed variables win', () => {
  assert.deepEqual(datastoreConfigFromEnv({}), { type: 'sqlite', path: '/var/lib/calico/calico.db' });
  assert.deepEqual(datastoreConfigFromEnv({ DATASTORE_PATH: '/a', CALICO_DATASTORE_PATH: '/b' }), { type: 'sqlite', path: '/b' });
  assert.deepEqual(datastoreConfigFromEnv({ ETCD_ENDPOINTS: 'http://127.0.0.1:2379/' }), { type: 'etcdv3', endpoints: ['http://127.0.0.1:2379'] });
  assert.throws(() => datastoreConfigFromEnv({ DATASTORE_TYPE: 'kubernetes' }), (e: CniError) => e.code === 7);
});
