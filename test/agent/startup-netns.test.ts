// calico-node's start-up shell against real namespaces (read with `ip -n`,
// nothing configured in the root namespace) and a sqlite datastore: the Node
// it writes from what the host really has, can-reach through the kernel's
// route lookup, compare-and-swap retried, an unreachable datastore waited
// out, a conflicting address refused — and the calico-node process refusing
// a malformed variable before writing anything.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { CalicoError } from '../../src/api/errors.js';
import type { IPPool, Node } from '../../src/api/infra-types.js';
import type { SqliteDatastore } from '../../src/datastore/sqlite.js';
import type { StoredResource } from '../../src/datastore/types.js';
import { readInterfaces, NodeStartup } from '../../src/agent/startup/run.js';
import { readStatus } from '../../src/agent/status.js';
import { NetnsLab } from '../helpers/netns.js';
import { ControlledDatastore, tempSqlite, until, type TempSqlite } from './helpers.js';
import { killAll, startAgent } from './process.js';

const log = pino({ level: 'silent' });

describe('calico-node start-up on a real host namespace', () => {
  const lab = new NetnsLab('agstart');
  let tmp: TempSqlite;
  let ds: SqliteDatastore;
  let host = '';

  before(async () => {
    tmp = tempSqlite();
    ds = tmp.open();
    host = await lab.netns('host');
    const net = await lab.netns('net');
    // eth0 towards the "net" namespace's gateway; eth1 a second network; docker0 one first-found must skip.
    await lab.veth(host, 'eth0', net, 'gw0', '10.70.0.11/24', '10.70.0.1/24');
    await lab.veth(host, 'eth1', net, 'gw1', '10.71.0.11/16', '10.71.0.1/16');
    await lab.must(host, ['ip', 'link', 'add', 'docker0', 'type', 'bridge']);
    await lab.must(host, ['ip', 'addr', 'add', '172.17.0.1/16', 'dev', 'docker0']);
    await lab.must(host, ['ip', 'route', 'add', 'default', 'via', '10.70.0.1']);
  });
  after(async () => {
    await killAll();
    await lab.cleanup();
    await ds?.close();
    tmp?.remove();
  });

  const nodeOf = async (name: string): Promise<Node | undefined> => (await ds.get({ kind: 'Node', name })) as Node | undefined;
  const clean = async (): Promise<void> => {
    for (const kind of ['Node', 'IPPool']) for (const r of (await ds.list({ kind })).items) await ds.delete({ kind, name: r.metadata.name });
  };

  it('reads the namespace\'s links and addresses in index order', async () => {
    const ifaces = await readInterfaces(host);
    assert.deepEqual(ifaces.map((i) => i.name), ['lo', 'eth0', 'eth1', 'docker0']);
    assert.deepEqual(ifaces.find((i) => i.name === 'eth1')?.addresses.filter((a) => a.family === 4), [{ family: 4, address: '10.71.0.11', prefixLength: 16 }]);
  });

  const methods: { method: string; want: string }[] = [
    // first-found walks from the highest index down and skips docker0: eth1.
    { method: 'first-found', want: '10.71.0.11/16' },
    { method: 'interface=eth0', want: '10.70.0.11/24' },
    { method: 'skip-interface=eth1', want: '10.70.0.11/24' },
    { method: 'cidr=172.16.0.0/12', want: '172.17.0.1/16' },
    { method: 'can-reach=10.70.0.1', want: '10.70.0.11/24' },
    // The default route goes out of eth0: the kernel picks its address for any far destination.
    { method: 'can-reach=192.0.2.1', want: '10.70.0.11/24' },
  ];
  for (const m of methods) {
    it(`IP_AUTODETECTION_METHOD=${m.method} writes ${m.want}`, async () => {
      await clean();
      await NodeStartup.fromEnv({ IP: 'autodetect', IP_AUTODETECTION_METHOD: m.method, NO_DEFAULT_POOLS: 'true' }, 'h1').run(ds, { netns: host, log });
      assert.equal((await nodeOf('h1'))?.spec.bgp?.ipv4Address, m.want);
    });
  }

  it('creates the default pools, the IPv4 one outside the host\'s addresses', async () => {
    await clean();
    const startup = NodeStartup.fromEnv({ IP: '10.70.0.11', CALICO_IPV6POOL_CIDR: 'fd00:70::/64' }, 'h1');
    assert.equal(startup.done, false);
    await startup.run(ds, { netns: host, log });
    assert.equal(startup.done, true);
    const pools = (await ds.list({ kind: 'IPPool' })).items as IPPool[];
    assert.deepEqual(pools.map((p) => [p.metadata.name, p.spec.cidr, p.spec.natOutgoing]).sort(), [
      ['default-ipv4-ippool', '192.168.0.0/16', true],
      ['default-ipv6-ippool', 'fd00:70::/64', false],
    ]);
    const node = await nodeOf('h1');
    assert.deepEqual(node?.spec, { bgp: { ipv4Address: '10.70.0.11/24' }, interfaces: [{ name: 'eth0', addresses: ['10.70.0.11'] }, { name: 'eth1', addresses: ['10.71.0.11'] }] });
  });

  it('updates an existing Node in place: labels and other fields stay', async () => {
    await clean();
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'h1', labels: { zone: 'a' } }, spec: { addresses: [{ address: '10.70.0.11', type: 'InternalIP' }] } });
    await NodeStartup.fromEnv({ AS: '64512', NO_DEFAULT_POOLS: 'true' }, 'h1').run(ds, { netns: host, log });
    const node = await nodeOf('h1');
    assert.deepEqual(node?.metadata.labels, { zone: 'a' });
    assert.deepEqual(node?.spec, { addresses: [{ address: '10.70.0.11', type: 'InternalIP' }], bgp: { ipv4Address: '10.71.0.11/16', asNumber: 64512 } });
  });

  it('decides again when another writer changed the Node between its read and its write', async () => {
    await clean();
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'h1' }, spec: { addresses: [{ address: '10.70.0.11' }] } });
    const racing = new ControlledDatastore(ds);
    let raced = false;
    racing.update = async (r: StoredResource) => {
      if (!raced) {
        raced = true;
        const current = (await ds.get({ kind: 'Node', name: 'h1' })) as Node;
        await ds.update({ ...current, metadata: { ...current.metadata, labels: { added: 'meanwhile' } } });
      }
      return ds.update(r);
    };
    await NodeStartup.fromEnv({ NO_DEFAULT_POOLS: 'true' }, 'h1').run(racing, { netns: host, log });
    const node = await nodeOf('h1');
    assert.deepEqual(node?.metadata.labels, { added: 'meanwhile' });
    assert.equal(node?.spec.bgp?.ipv4Address, '10.71.0.11/16');
  });

  it('waits for an unreachable datastore and then completes', async () => {
    await clean();
    const flaky = new ControlledDatastore(ds);
    let failures = 2;
    flaky.get = async (k) => {
      if (failures-- > 0) throw new CalicoError('unavailable', 'etcd is not there yet');
      return ds.get(k);
    };
    await NodeStartup.fromEnv({ NO_DEFAULT_POOLS: 'true' }, 'h1').run(flaky, { netns: host, log });
    assert.equal((await nodeOf('h1'))?.spec.bgp?.ipv4Address, '10.71.0.11/16');
  });

  it('refuses an address another Node already has, and frees the one it autodetected', async () => {
    await clean();
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'other' }, spec: { bgp: { ipv4Address: '10.71.0.11/16' } } });
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'h1', labels: { keep: 'me' } }, spec: { bgp: { ipv4Address: '10.9.9.9/24', asNumber: 65001 } } });
    await assert.rejects(
      NodeStartup.fromEnv({ IP: 'autodetect', NO_DEFAULT_POOLS: 'true' }, 'h1').run(ds, { netns: host, log }),
      /conflicting node detected: IPv4 address conflict/,
    );
    const node = await nodeOf('h1');
    assert.deepEqual([node?.metadata.labels, node?.spec.bgp], [{ keep: 'me' }, { asNumber: 65001 }]);
  });

  it('DISABLE_NODE_IP_CHECK=true lets two Nodes share the address', async () => {
    await clean();
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'other' }, spec: { bgp: { ipv4Address: '10.71.0.11/16' } } });
    await NodeStartup.fromEnv({ DISABLE_NODE_IP_CHECK: 'true', NO_DEFAULT_POOLS: 'true' }, 'h1').run(ds, { netns: host, log });
    assert.equal((await nodeOf('h1'))?.spec.bgp?.ipv4Address, '10.71.0.11/16');
  });

  it('fails when autodetection finds nothing, and writes no Node', async () => {
    await clean();
    await assert.rejects(
      NodeStartup.fromEnv({ IP_AUTODETECTION_METHOD: 'interface=nosuch.*' }, 'h1').run(ds, { netns: host, log }),
      /failed to autodetect an IPv4 address/,
    );
    assert.equal(await nodeOf('h1'), undefined);
    assert.deepEqual((await ds.list({ kind: 'IPPool' })).items, []);
  });

  it('calico-node exits 1 on a malformed variable, naming it, before writing anything', async () => {
    await clean();
    const before = await ds.revision();
    const agent = startAgent({ netns: host, args: ['--hostname', 'h1'], env: { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: tmp.path, CALICO_NETWORKING_BACKEND: 'bird', CALICO_IPV4POOL_BLOCK_SIZE: '40' } });
    assert.equal(await agent.exited(), 1);
    assert.match(agent.stderr(), /CALICO_IPV4POOL_BLOCK_SIZE: must be an integer from 20 to 32, got "40"/);
    assert.equal(await ds.revision(), before);
  });

  it('calico-node exits 1 when it cannot autodetect an address, saying so', async () => {
    await clean();
    const agent = startAgent({
      netns: host,
      args: ['--hostname', 'h1', '--health-port', '0', '--metrics-port', '0'],
      env: { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: tmp.path, CALICO_NETWORKING_BACKEND: 'bird', IP_AUTODETECTION_METHOD: 'interface=nosuch.*' },
    });
    assert.equal(await agent.exited(), 1);
    assert.match(agent.stderr(), /calico-node: failed to configure IP addresses and subnets: failed to autodetect an IPv4 address: no valid host interfaces found/);
    assert.equal(await nodeOf('h1'), undefined);
  });

  it('calico-node writes its Node and pools, and is ready only then', async () => {
    await clean();
    const statusFile = join(tmp.dir, 'h1.status.json');
    const agent = startAgent({
      netns: host,
      args: ['--hostname', 'h1', '--status-file', statusFile, '--health-port', '0', '--metrics-port', '0'],
      env: { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: tmp.path, CALICO_NETWORKING_BACKEND: 'bird', IP: 'autodetect', IP_AUTODETECTION_METHOD: 'can-reach=10.70.0.1', CALICO_IPV4POOL_CIDR: '10.244.0.0/16', FELIX_IPV6SUPPORT: 'false' },
    });
    await until('ready', async () => (await readStatus(statusFile))?.ready === true, 30_000);
    assert.equal((await nodeOf('h1'))?.spec.bgp?.ipv4Address, '10.70.0.11/24');
    assert.deepEqual(((await ds.list({ kind: 'IPPool' })).items as IPPool[]).map((p) => p.spec.cidr), ['10.244.0.0/16']);
    assert.ok(agent.logs().some((l) => l.msg === 'start-up complete'));
    assert.equal(await agent.stop('SIGTERM'), 0);
  });
});
