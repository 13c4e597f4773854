// calico-node on etcd, programming a named namespace from outside it
// (--netns), and calico-node with no datastore to reach: not ready, and the
// host's dataplane left untouched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitForSync } from '../../src/agent/status.js';
import { EtcdDatastore } from '../../src/datastore/etcd.js';
import { startEtcd, type EtcdCluster } from '../helpers/etcd.js';
import { NetnsLab } from '../helpers/netns.js';
import { makeHost } from '../dataplane/pods.js';
import { gnp, tempSqlite, until, type TempSqlite } from './helpers.js';
import { podPair } from './pod-pair.js';
import { killAll, startAgent, type AgentProcess } from './process.js';

const NODE = 'node-e';
const A_IP = '10.66.1.1';
const B_IP = '10.66.1.2';

describe('calico-node on etcd, programming a namespace it does not run in', () => {
  const lab = new NetnsLab('agetcd');
  let etcd: EtcdCluster;
  let ds: EtcdDatastore;
  let tmp: TempSqlite;
  let statusFile = '';
  let host = '';
  let podA = '';
  let agent: AgentProcess;

  before(async () => {
    etcd = await startEtcd();
    ds = await EtcdDatastore.open({ type: 'etcdv3', endpoints: etcd.endpoints });
    tmp = tempSqlite();
    statusFile = join(tmp.dir, 'status.json');
    ({ host, podA } = await podPair(lab, ds, { node: NODE, aIp: A_IP, bIp: B_IP, ports: [80] }));
    agent = startAgent({
      args: ['--hostname', NODE, '--netns', host, '--status-file', statusFile, '--health-port', '0', '--metrics-port', '0'],
      env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoints.join(','), FELIX_IPV6SUPPORT: 'false' },
    });
  });
  after(async () => {
    await killAll();
    await lab.cleanup();
    await ds?.close();
    await etcd?.stop();
    tmp?.remove();
  });

  it('programs the namespace and follows policy changes at their revision', async () => {
    await waitForSync(ds, [statusFile]);
    assert.equal(await lab.canConnect(podA, B_IP, 80), true);
    await ds.create(gnp('deny-client', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { selector: "app == 'client'" } }] }));
    await waitForSync(ds, [statusFile]);
    assert.equal(await lab.canConnect(podA, B_IP, 80), false);
    const r = await lab.exec(host, ['nft', 'list', 'tables']);
    assert.match(r.stdout, /table ip calico/);
  });

  it('stops cleanly on SIGINT', async () => {
    assert.equal(await agent.stop('SIGINT'), 0);
  });
});

describe('calico-node before its datastore is reachable', () => {
  const lab = new NetnsLab('agnods');
  let tmp: TempSqlite;
  let host = '';
  let agent: AgentProcess;
  // etcd will be started inside the host namespace, on its loopback: nothing answers there until then.
  const CLIENT = 'http://127.0.0.1:23790';
  const PEER = 'http://127.0.0.1:23800';

  before(async () => {
    tmp = tempSqlite();
    host = await makeHost(lab);
    agent = startAgent({ netns: host, args: ['--hostname', NODE], env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: CLIENT } });
  });
  after(async () => {
    await killAll();
    await lab.cleanup();
    tmp?.remove();
  });

  const code = async (path: string): Promise<string> => (await lab.exec(host, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:9099${path}`])).stdout;

  it('answers 503 on /readiness and 200 on /liveness, and writes no rules', async () => {
    await until('the health server', async () => (await code('/liveness')) === '200', 20_000);
    await until('a failed list', () => agent.logs().some((l) => l.component === 'syncer' && /cannot list/.test(String(l.msg))), 20_000);
    assert.equal(await code('/readiness'), '503');
    const tables = await lab.exec(host, ['nft', 'list', 'tables']);
    assert.doesNotMatch(tables.stdout, /calico/);
  });

  it('becomes ready once the datastore answers, without a restart', async () => {
    lab.spawn(host, ['etcd', '--name', 'm0', '--data-dir', join(tmp.dir, 'etcd'), '--listen-client-urls', CLIENT, '--advertise-client-urls', CLIENT,
      '--listen-peer-urls', PEER, '--initial-advertise-peer-urls', PEER, '--initial-cluster', `m0=${PEER}`, '--log-level', 'error', '--logger', 'zap']);
    await until('readiness 200', async () => (await code('/readiness')) === '200', 30_000);
    const tables = await lab.exec(host, ['nft', 'list', 'tables']);
    assert.match(tables.stdout, /table ip calico/);
  });
});
