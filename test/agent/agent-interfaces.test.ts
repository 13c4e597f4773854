// The agent and its link monitor, in-process with a fake monitor: an
// interface change the dataplane cares about schedules an apply at once
// (the safety-net poll is set to a minute, so only the event explains the
// apply), bursts are coalesced, and the monitor lives exactly as long as the agent.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Agent } from '../../src/agent/agent.js';
import type { InterfaceMonitor, InterfaceUpdate } from '../../src/agent/link-monitor.js';
import type { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { RecordingDataplane, gnp, nsProfile, tempSqlite, until, type TempSqlite } from './helpers.js';

/** A monitor the test speaks for. */
class FakeMonitor implements InterfaceMonitor {
  private listener: ((u: InterfaceUpdate) => void) | undefined;
  running = false;
  starts = 0;

  start(onUpdate: (u: InterfaceUpdate) => void): void {
    this.listener = onUpdate;
    this.running = true;
    this.starts++;
  }

  stop(): Promise<void> {
    this.running = false;
    return Promise.resolve();
  }

  emit(u: InterfaceUpdate): void {
    this.listener?.(u);
  }
}

/** Answers "does this interface change concern you" for the interfaces named in `mine`. */
class InterfaceAwareDataplane extends RecordingDataplane {
  readonly mine = new Set<string>();
  readonly heard: InterfaceUpdate[] = [];

  onInterfaceUpdate(u: InterfaceUpdate): boolean {
    this.heard.push(u);
    return u.type === 'link' && this.mine.has(u.name);
  }
}

const up = (name: string, ifindex = 7): InterfaceUpdate => ({ type: 'link', ifindex, name, state: 'up' });
const QUIET_MS = 300;
const quiet = (): Promise<void> => new Promise((r) => setTimeout(r, QUIET_MS));

describe('calico-node and interface events', () => {
  let tmp: TempSqlite;
  let ds: SqliteDatastore;
  let dp: InterfaceAwareDataplane;
  let monitor: FakeMonitor;
  let agent: Agent | undefined;

  const start = async (): Promise<Agent> => {
    agent = new Agent({
      hostname: 'node-a',
      datastore: ds,
      dataplane: dp,
      log: pino({ level: 'silent' }),
      applyIntervalMs: 5,
      refreshIntervalMs: 0,
      revisionProbeMs: 50,
      interfaceMonitor: monitor,
      interfaceRefreshMs: 60_000,
    });
    agent.start();
    const a = agent;
    await until('the first programming', () => a.status().programmedRevision >= 0);
    return a;
  };
  const looks = (): number => dp.applies + dp.resyncs;

  beforeEach(async () => {
    tmp = tempSqlite();
    ds = tmp.open();
    await ds.create(nsProfile('default'));
    dp = new InterfaceAwareDataplane();
    dp.mine.add('calia');
    monitor = new FakeMonitor();
    agent = undefined;
  });
  afterEach(async () => {
    await agent?.stop();
    await ds.close();
    tmp.remove();
  });

  it('applies at once when the interface of a pending route appears, not on a poll', async () => {
    dp.routesPending = 1;
    await start();
    const n = looks();
    await quiet();
    assert.equal(looks(), n, 'no poll while routes wait: the safety net is a minute away');
    dp.routesPending = 0;
    monitor.emit(up('calia'));
    await until('an apply after the event', () => looks() > n);
    assert.equal(dp.heard.length, 1);
  });

  it('ignores an interface change the dataplane does not care about', async () => {
    dp.routesPending = 1;
    await start();
    const n = looks();
    monitor.emit(up('eth0'));
    await quiet();
    assert.equal(looks(), n);
  });

  it('applies once for a burst of interface events', async () => {
    await start();
    const n = looks();
    for (let i = 0; i < 20; i++) monitor.emit(up('calia', 100 + i));
    await until('an apply after the burst', () => looks() > n);
    await quiet();
    assert.equal(looks(), n + 1);
  });

  it('applies again after an apply in flight when an interface changed during it', async () => {
    await start();
    dp.delayMs = 100;
    const n = looks();
    monitor.emit(up('calia'));
    await until('the apply to start', () => looks() > n);
    monitor.emit(up('calia', 8));
    await until('a second apply', () => looks() > n + 1, 3000);
  });

  it('looks at an interface going down only once a flap would have settled, and then once', async () => {
    await start();
    const n = looks();
    monitor.emit({ type: 'link', ifindex: 7, name: 'calia', state: 'down' });
    monitor.emit({ type: 'link', ifindex: 7, name: 'calia', state: 'gone' });
    assert.equal(looks(), n, 'nothing yet');
    await until('the settled look', () => looks() > n, 3000);
    await quiet();
    assert.equal(looks(), n + 1);
  });

  it('does not let a pending-route look scheduled for later hold back a datastore change', async () => {
    dp.routesPending = 1;
    const a = await start();
    const p = await ds.create(gnp('deny-all', { selector: 'all()', ingress: [{ action: 'Deny' }] }));
    await until('the policy programmed', () => a.status().programmedRevision >= Number(p.metadata.resourceVersion), 5000);
  });

  it('runs the monitor from start to stop, and hears nothing after', async () => {
    const a = await start();
    assert.deepEqual([monitor.running, monitor.starts], [true, 1]);
    await a.stop();
    agent = undefined;
    assert.equal(monitor.running, false);
    const n = looks();
    monitor.emit(up('calia'));
    await quiet();
    assert.equal(looks(), n);
  });
});
