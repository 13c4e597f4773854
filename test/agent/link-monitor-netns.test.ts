// The link monitor against a real kernel: `ip monitor` inside a test
// namespace, and the real calico-node process programming a route for a
// workload whose interface appears after its WorkloadEndpoint was written.
// The agent runs with its safety-net look and dataplane refresh an hour
// away, so only the interface event can explain what gets programmed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { LinkMonitor, type InterfaceUpdate } from '../../src/agent/link-monitor.js';
import { waitForSync } from '../../src/agent/status.js';
import { hostChainNames } from '../../src/dataplane/host-endpoints.js';
import type { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { spawnCollect } from '../../src/exec/collect.js';
import { NetnsLab } from '../helpers/netns.js';
import { nsProfile, tempSqlite, until, wep, type TempSqlite } from './helpers.js';
import { killAll, startAgent, type AgentProcess } from './process.js';

const NODE = 'node-a';

/** Process IDs running in `ns`. */
async function pidsIn(ns: string): Promise<number[]> {
  const r = await spawnCollect(['ip', 'netns', 'pids', ns]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map(Number);
}

describe('LinkMonitor in a network namespace', () => {
  const lab = new NetnsLab('lmon');
  let ns = '';
  let monitor: LinkMonitor | undefined;
  const heard: InterfaceUpdate[] = [];

  before(async () => {
    ns = await lab.netns('host');
    monitor = new LinkMonitor({ netns: ns, log: pino({ level: 'silent' }), minRestartMs: 20 });
    monitor.start((u) => heard.push(u));
    await until('the monitor to say it is listening', () => heard.some((u) => u.type === 'resync'));
  });
  after(async () => {
    await monitor?.stop();
    await lab.cleanup();
  });

  it('hears an interface appear, come up, get an address and go', async () => {
    const pod = await lab.netns('pod');
    await lab.veth(ns, 'calimon1', pod, 'eth0', '10.77.0.1/24');
    await until('calimon1 up', () => heard.some((u) => u.type === 'link' && u.name === 'calimon1' && u.state === 'up'));
    await until('its address', () => heard.some((u) => u.type === 'address' && u.name === 'calimon1' && u.address === '10.77.0.1/24' && u.present));
    await lab.must(ns, ['ip', 'link', 'del', 'calimon1']);
    await until('calimon1 gone', () => heard.some((u) => u.type === 'link' && u.name === 'calimon1' && u.state === 'gone'));
  });

  it('starts ip monitor again when it dies, says resync, and hears on', async () => {
    const first = monitor?.pid;
    assert.ok(first !== undefined);
    const resyncs = heard.filter((u) => u.type === 'resync').length;
    process.kill(first, 'SIGKILL');
    await until('a new ip monitor', () => monitor?.pid !== undefined && monitor.pid !== first);
    await until('a resync', () => heard.filter((u) => u.type === 'resync').length > resyncs);
    const pod = await lab.netns('pod2');
    await lab.veth(ns, 'calimon2', pod, 'eth0');
    await until('calimon2 up', () => heard.some((u) => u.type === 'link' && u.name === 'calimon2' && u.state === 'up'));
  });

  it('leaves no process behind once stopped', async () => {
    await monitor?.stop();
    assert.deepEqual(await pidsIn(ns), []);
  });
});

describe('calico-node with a workload interface that appears after its endpoint', () => {
  const lab = new NetnsLab('lmagent');
  let tmp: TempSqlite;
  let ds: SqliteDatastore;
  let host = '';
  let statusFile = '';
  let agent: AgentProcess;
  const routes = async (): Promise<string> => lab.must(host, ['ip', '-4', 'route', 'show', 'proto', '80']);

  before(async () => {
    tmp = tempSqlite();
    ds = tmp.open();
    statusFile = join(tmp.dir, 'status.json');
    host = await lab.netns('host');
    await ds.create(nsProfile('default'));
    agent = startAgent({
      netns: host,
      args: ['--hostname', NODE, '--status-file', statusFile],
      env: {
        DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: tmp.path, FELIX_IPV6SUPPORT: 'false', LOG_LEVEL: 'info',
        FELIX_NFTABLESREFRESHINTERVAL: '3600', FELIX_INTERFACEREFRESHINTERVAL: '3600',
      },
    });
    await waitForSync(ds, [statusFile]);
  });
  after(async () => {
    await killAll();
    await lab.cleanup();
    await ds.close();
    tmp.remove();
  });

  it('routes to the workload once its veth appears and comes up', async () => {
    await ds.create(wep({ node: NODE, pod: 'late', iface: 'calilate', ip: '10.66.0.7' }));
    await waitForSync(ds, [statusFile]);
    assert.doesNotMatch(await routes(), /10\.66\.0\.7/, 'pending: the interface does not exist yet');
    const pod = await lab.netns('pod');
    await lab.veth(host, 'calilate', pod, 'eth0');
    await until('the route', async () => /10\.66\.0\.7 dev calilate/.test(await routes()));
    assert.equal((await lab.must(host, ['sysctl', '-n', 'net.ipv4.conf.calilate.proxy_arp'])).trim(), '1');
  });

  it('puts the route back when the interface is deleted and created again', async () => {
    await lab.must(host, ['ip', 'link', 'del', 'calilate']);
    const pod = await lab.netns('pod-again');
    await lab.veth(host, 'calilate', pod, 'eth0');
    await until('the route again', async () => /10\.66\.0\.7 dev calilate/.test(await routes()));
  });

  it('binds a host endpoint by expected IP once an interface gets that address', async () => {
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: 'by-ip' }, spec: { node: NODE, expectedIPs: ['10.88.0.1'] } });
    await waitForSync(ds, [statusFile]);
    const chain = hostChainNames('ext1').th;
    const ruleset = (): Promise<string> => lab.must(host, ['nft', 'list', 'table', 'ip', 'calico']);
    const peer = await lab.netns('peer');
    await lab.veth(host, 'ext1', peer, 'ext1');
    assert.doesNotMatch(await ruleset(), new RegExp(chain));
    await lab.must(host, ['ip', 'addr', 'add', '10.88.0.1/24', 'dev', 'ext1']);
    await until('the host endpoint chain', async () => (await ruleset()).includes(chain));
  });

  it('takes its ip monitor with it when killed outright', async () => {
    assert.ok((await pidsIn(host)).length >= 2, 'the agent and its monitor');
    await agent.stop('SIGKILL');
    await until('nothing left in the namespace', async () => (await pidsIn(host)).length === 0);
  });
});
