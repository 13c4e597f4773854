// The agent's main loop in-process: a real sqlite datastore, a recording
// dataplane. What it programs is the calc graph's business (tested there);
// here: when it applies, how it batches, retries and resyncs, and what
// programmed revision it reports.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Agent } from '../../src/agent/agent.js';
import type { AgentStatus } from '../../src/agent/status.js';
import type { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { ControlledDatastore, RecordingDataplane, gnp, ipPool, nsProfile, tempSqlite, until, wep, type TempSqlite } from './helpers.js';

const HOST = 'node-a';

describe('calico-node main loop', () => {
  let tmp: TempSqlite;
  let sqlite: SqliteDatastore;
  let ds: ControlledDatastore;
  let dp: RecordingDataplane;
  let agent: Agent | undefined;
  let published: AgentStatus[];

  /** `refreshIntervalMs: null` leaves it to FelixConfiguration. */
  const start = (over: { refreshIntervalMs?: number | null; applyIntervalMs?: number } = {}): Agent => {
    const refresh = over.refreshIntervalMs === null ? {} : { refreshIntervalMs: over.refreshIntervalMs ?? 0 };
    agent = new Agent({
      hostname: HOST,
      datastore: ds,
      dataplane: dp,
      log: pino({ level: 'silent' }),
      applyIntervalMs: over.applyIntervalMs ?? 5,
      ...refresh,
      revisionProbeMs: 50,
      onStatus: (s) => published.push(s),
    });
    agent.start();
    return agent;
  };
  const programmed = (a: Agent, rev: number): Promise<void> => until(`programmed revision ${rev}`, () => a.status().programmedRevision >= rev);

  beforeEach(async () => {
    tmp = tempSqlite();
    sqlite = tmp.open();
    ds = new ControlledDatastore(sqlite);
    dp = new RecordingDataplane();
    published = [];
    agent = undefined;
  });
  afterEach(async () => {
    await agent?.stop();
    await sqlite.close();
    tmp.remove();
  });

  it('applies nothing and is not ready until the datastore has been listed', async () => {
    await ds.create(nsProfile('default'));
    const w = await ds.create(wep({ node: HOST, pod: 'a', iface: 'calia', ip: '10.1.0.1' }));
    ds.holdLists();
    const a = start();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(dp.applies + dp.resyncs, 0);
    assert.equal(dp.updates.length, 0);
    assert.deepEqual([a.status().ready, a.status().inSync, a.status().programmedRevision], [false, false, -1]);
    ds.release();
    await programmed(a, Number(w.metadata.resourceVersion));
    assert.equal(a.status().ready, true);
    const inSyncAt = dp.updates.findIndex((u) => u.type === 'in-sync');
    const endpointAt = dp.updates.findIndex((u) => u.type === 'workload-endpoint-update');
    assert.ok(inSyncAt >= 0 && endpointAt >= 0, 'the first batch holds the endpoint and in-sync');
    assert.equal(dp.appliedBatches[0], dp.updates.length, 'the first apply came after the whole first batch');
  });

  it('programs a burst of writes in a few batches, not one apply per event', async () => {
    const a = start();
    await programmed(a, 0);
    dp.delayMs = 30;
    const before = dp.applies;
    await ds.create(nsProfile('default'));
    let last = 0;
    for (let i = 0; i < 60; i++) {
      const r = await ds.create(wep({ node: HOST, pod: `p${i}`, iface: `cali${i}`, ip: `10.1.0.${i + 1}` }));
      last = Number(r.metadata.resourceVersion);
    }
    await programmed(a, last);
    const applies = dp.applies - before;
    assert.ok(applies >= 1 && applies <= 10, `61 writes took ${applies} applies`);
    assert.equal(dp.updates.filter((u) => u.type === 'workload-endpoint-update').length, 60);
  });

  it('retries a failed apply and reports the revision programmed only once it succeeded', async () => {
    await ds.create(nsProfile('default'));
    await ds.create(wep({ node: HOST, pod: 'a', iface: 'calia', ip: '10.1.0.1' }));
    const a = start();
    await programmed(a, 0);
    dp.failNext = 2;
    const before = dp.applies;
    const p = await ds.create(gnp('deny-all', { selector: 'all()', ingress: [{ action: 'Deny' }] }));
    const rev = Number(p.metadata.resourceVersion);
    await until('a failure', () => a.status().consecutiveFailures > 0);
    assert.ok(a.status().programmedRevision < rev);
    assert.match(a.status().lastError ?? '', /injected/);
    await programmed(a, rev);
    assert.equal(dp.applies - before, 3);
    assert.equal(a.status().consecutiveFailures, 0);
    assert.equal(a.status().lastError, undefined);
    assert.ok(published.some((s) => s.consecutiveFailures === 2), 'the failures were published');
  });

  it('advances the programmed revision for writes of kinds it does not program', async () => {
    const a = start();
    await programmed(a, 0);
    const applies = dp.applies;
    const pool = await ds.create(ipPool('pool1', '10.10.0.0/16'));
    await programmed(a, Number(pool.metadata.resourceVersion));
    assert.equal(dp.applies, applies, 'nothing to apply for an IPPool');
  });

  it('on etcd, advances past revisions the watch never delivers (writes outside /calico/) after two idle probes', async () => {
    ds.typeOverride = 'etcdv3';
    const a = start();
    await programmed(a, 0);
    const real = ds.revision;
    ds.revision = async () => (await real()) + 3;
    await programmed(a, 3);
    assert.equal(a.status().datastoreRevision, 3);
  });

  it('on sqlite, never takes a revision as programmed before the watch delivered it', async () => {
    const a = start();
    await programmed(a, 0);
    const real = ds.revision;
    ds.revision = async () => (await real()) + 3;
    await until('the probe to see revision 3', () => a.status().datastoreRevision === 3);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.status().programmedRevision, 0);
  });

  it('lists again after resync-required and removes what was deleted meanwhile', async () => {
    await ds.create(nsProfile('default'));
    const gone = await ds.create(wep({ node: HOST, pod: 'gone', iface: 'caligone', ip: '10.1.0.9' }));
    const a = start();
    await programmed(a, Number(gone.metadata.resourceVersion));
    ds.cutWatches('test: history compacted');
    await sqlite.delete({ kind: 'WorkloadEndpoint', namespace: 'default', name: gone.metadata.name });
    const kept = await sqlite.create(wep({ node: HOST, pod: 'new', iface: 'calinew', ip: '10.1.0.10' }));
    await programmed(a, Number(kept.metadata.resourceVersion));
    assert.equal(a.status().resyncs, 2);
    assert.ok(dp.has((u) => u.type === 'workload-endpoint-remove' && u.id.includes('/gone/')));
    assert.ok(dp.has((u) => u.type === 'workload-endpoint-update' && u.endpoint.interfaceName === 'calinew'));
    assert.equal(ds.watchCount, 1, 'one watch, the new one');
  });

  it('reads the dataplane back on the first apply and then every refresh interval', async () => {
    const a = start({ refreshIntervalMs: 100 });
    await programmed(a, 0);
    assert.equal(dp.resyncs, 1, 'the first programming is a full read-back');
    await until('two periodic refreshes', () => dp.resyncs >= 3, 3000);
  });

  const felixConfig = { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { iptablesRefreshInterval: '150ms' } };

  it("takes the refresh interval from FelixConfiguration when the environment sets none", async () => {
    await ds.create(felixConfig);
    const a = start({ refreshIntervalMs: null });
    await programmed(a, 0);
    await until('two periodic refreshes', () => dp.resyncs >= 3, 3000);
  });

  it("keeps the environment's refresh interval over FelixConfiguration's", async () => {
    await ds.create(felixConfig);
    const a = start({ refreshIntervalMs: 0 });
    await programmed(a, 0);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(dp.resyncs, 1, 'only the first programming read the dataplane back');
  });

  it('applies again on its own while routes wait for their interface', async () => {
    await ds.create(nsProfile('default'));
    dp.routesPending = 1;
    const a = start();
    await programmed(a, 0);
    const n = dp.applies + dp.resyncs;
    await until('another apply without any event', () => dp.applies + dp.resyncs > n + 1, 3000);
    dp.routesPending = 0;
  });

  it('stops within moments while its datastore does not answer', async () => {
    ds.holdLists();
    const a = start();
    await until('the list to start', () => ds.lists > 0);
    const t = performance.now();
    await a.stop();
    agent = undefined;
    assert.ok(performance.now() - t < 3000, `stop took ${Math.round(performance.now() - t)} ms`);
    ds.release();
  });

  it('stops watching when stopped and applies nothing afterwards', async () => {
    const a = start();
    await programmed(a, 0);
    await a.stop();
    agent = undefined;
    const n = dp.applies + dp.resyncs;
    await ds.create(gnp('after-stop', { selector: 'all()' }));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(dp.applies + dp.resyncs, n);
    assert.equal(ds.watchCount, 0);
    assert.deepEqual([a.status().ready, a.status().live], [false, false]);
  });
});
