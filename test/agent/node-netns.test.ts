// The real calico-node process inside a "host" network namespace, as the lab
// runs it, against a sqlite datastore the test writes to: readiness, policy
// in force once the programmed revision reaches the write, Felix's metrics,
// a restart that keeps connections and rules, and a clean SIGTERM.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitForSync } from '../../src/agent/status.js';
import type { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { NetnsLab } from '../helpers/netns.js';
import { gnp, tempSqlite, until, type TempSqlite } from './helpers.js';
import { podPair } from './pod-pair.js';
import { killAll, programmedBy, startAgent, type AgentProcess } from './process.js';

const NODE = 'node-a';
const A_IP = '10.65.1.1';
const B_IP = '10.65.1.2';

describe('calico-node in a host namespace', () => {
  const lab = new NetnsLab('agent');
  let tmp: TempSqlite;
  let ds: SqliteDatastore;
  let host = '';
  let podA = '';
  let podB = '';
  let statusFile = '';
  let agent: AgentProcess;

  const launch = (): AgentProcess =>
    startAgent({
      netns: host,
      args: ['--hostname', NODE, '--status-file', statusFile],
      env: { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: tmp.path, FELIX_IPV6SUPPORT: 'false', LOG_LEVEL: 'info', FELIX_NFTABLESREFRESHINTERVAL: '1' },
    });
  const httpGet = async (path: string, port = 9099): Promise<{ code: number; body: string }> => {
    const r = await lab.exec(host, ['curl', '-s', '-w', '\\n%{http_code}', `http://127.0.0.1:${port}${path}`]);
    const lines = r.stdout.split('\n');
    return { code: Number(lines.pop()), body: lines.join('\n') };
  };
  const ruleset = async (): Promise<string> => lab.must(host, ['nft', '-s', 'list', 'table', 'ip', 'calico']);

  before(async () => {
    tmp = tempSqlite();
    ds = tmp.open();
    statusFile = join(tmp.dir, 'status.json');
    ({ host, podA, podB } = await podPair(lab, ds, { node: NODE, aIp: A_IP, bIp: B_IP, ports: [80, 81] }));
    agent = launch();
  });
  after(async () => {
    await killAll();
    await lab.cleanup();
    await ds.close();
    tmp.remove();
  });

  it('becomes ready once it has programmed everything the datastore holds', async () => {
    const rev = await waitForSync(ds, [statusFile]);
    assert.ok(rev > 0);
    const readiness = await httpGet('/readiness');
    assert.equal(readiness.code, 200);
    assert.equal((await httpGet('/liveness')).code, 200);
    const status = JSON.parse((await httpGet('/status')).body) as { programmedRevision: number; inSync: boolean; pid: number };
    assert.ok(status.programmedRevision >= rev);
    assert.equal(status.inSync, true);
    assert.equal(status.pid, agent.pid, 'the status file and the process agree on who is talking');
  });

  it('lets the two endpoints talk under their namespace profile', async () => {
    assert.equal(await lab.canConnect(podA, B_IP, 80), true);
  });

  it('puts a policy in force by the time its revision is programmed, and lifts it on delete', async () => {
    await ds.create(gnp('only-81', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [81] } }] }));
    await waitForSync(ds, [statusFile]);
    assert.match(await ruleset(), /only-81/);
    assert.equal(await lab.canConnect(podA, B_IP, 80), false);
    assert.equal(await lab.canConnect(podA, B_IP, 81), true);
    await ds.delete({ kind: 'GlobalNetworkPolicy', name: 'only-81' });
    await waitForSync(ds, [statusFile]);
    assert.doesNotMatch(await ruleset(), /only-81/);
    assert.equal(await lab.canConnect(podA, B_IP, 80), true);
  });

  it("serves Felix's metric names on /metrics", async () => {
    const { code, body } = await httpGet('/metrics', 9091);
    assert.equal(code, 200);
    assert.match(body, /^felix_active_local_endpoints 2$/m);
    assert.match(body, /^felix_cluster_num_workload_endpoints 2$/m);
    assert.match(body, /^felix_cluster_num_hosts 1$/m);
    for (const name of ['felix_int_dataplane_apply_time_seconds_count', 'felix_calc_graph_update_time_seconds_count', 'felix_resync_state', 'felix_int_dataplane_failures', 'felix_ipsets_calico']) {
      assert.match(body, new RegExp(`^${name}`, 'm'), name);
    }
  });

  it('restarts without breaking an established connection or missing a rule at any moment', async () => {
    await ds.create(gnp('server-ingress', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'client'" } }] }));
    await waitForSync(ds, [statusFile]);
    const echo = lab.spawn(podB, [process.execPath, '-e', "require('net').createServer((s)=>{s.on('error',()=>{});s.pipe(s)}).listen(7,'0.0.0.0',()=>console.log('ready'))"]);
    await new Promise<void>((resolve) => echo.stdout?.on('data', (b: Buffer) => (b.toString().includes('ready') ? resolve() : undefined)));
    const client = lab.spawn(podA, [
      process.execPath,
      '-e',
      `const s=require('net').connect(7,'${B_IP}');let n=0;s.on('data',(d)=>{n+=d.toString().split('\\n').length-1;console.log('echo '+n)});` +
        "s.on('close',()=>console.log('closed'));s.on('error',(e)=>console.log('error '+e.message));setInterval(()=>s.write('x\\n'),50);",
    ]);
    let echoes = 0;
    let broken = '';
    client.stdout?.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        const m = /^echo (\d+)$/.exec(line);
        if (m !== null) echoes = Number(m[1]);
        else if (/^(closed|error)/.test(line)) broken = line;
      }
    });
    await until('echoes before the restart', () => echoes >= 3);

    const baseline = await ruleset();
    let sampling = true;
    const samples: string[] = [];
    const sampler = (async () => {
      while (sampling) {
        const r = await lab.exec(host, ['nft', '-s', 'list', 'table', 'ip', 'calico']);
        samples.push(r.code === 0 ? r.stdout : `nft failed: ${r.stderr}`);
      }
    })();
    assert.equal(await agent.stop('SIGTERM'), 0);
    const duringDowntime = echoes;
    await until('echoes while no agent runs', () => echoes >= duringDowntime + 3);
    agent = launch();
    await programmedBy(statusFile, agent.pid, await ds.revision());
    const afterRestart = echoes;
    await until('echoes after the restart', () => echoes >= afterRestart + 3);
    sampling = false;
    await sampler;

    assert.equal(broken, '', 'the connection stayed up');
    assert.ok(samples.length >= 10, `only ${samples.length} samples of the ruleset`);
    const differing = samples.filter((s) => s !== baseline);
    assert.equal(differing.length, 0, `ruleset changed during the restart:\n${differing[0] ?? ''}`);
    assert.equal(await lab.canConnect(podA, B_IP, 80), true, 'new connections follow the policy as before');
  });

  it('repairs its table within the refresh interval when someone deletes it', async () => {
    // Recreated objects list in creation order: compare the lines, not their order.
    const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();
    const before = lines(await ruleset());
    await lab.must(host, ['nft', 'delete', 'table', 'ip', 'calico']);
    await until('the table restored', async () => {
      const r = await lab.exec(host, ['nft', '-s', 'list', 'table', 'ip', 'calico']);
      return r.code === 0 && JSON.stringify(lines(r.stdout)) === JSON.stringify(before);
    }, 10_000);
  });

  it('keeps the old rules while stopped and programs what changed meanwhile when it starts', async () => {
    assert.equal(await agent.stop('SIGTERM'), 0);
    const deny = await ds.create(gnp('deny-all-ingress', { selector: "app == 'server'", order: 1, types: ['Ingress'], ingress: [{ action: 'Deny' }] }));
    assert.equal(await lab.canConnect(podA, B_IP, 80), true, 'no agent: the rules stay as they were');
    agent = launch();
    await programmedBy(statusFile, agent.pid, Number(deny.metadata.resourceVersion));
    assert.equal(await lab.canConnect(podA, B_IP, 80), false);
    await ds.delete({ kind: 'GlobalNetworkPolicy', name: 'deny-all-ingress' });
    await waitForSync(ds, [statusFile]);
    assert.equal(await lab.canConnect(podA, B_IP, 80), true);
  });

  it('stops on SIGTERM with exit code 0 and leaves its rules in place', async () => {
    const before = await ruleset();
    assert.equal(await agent.stop('SIGTERM'), 0);
    assert.ok(agent.logs().some((l) => l.msg === 'stopped' && l.component === 'main'), 'logged its stop');
    assert.equal(await ruleset(), before);
  });
});
