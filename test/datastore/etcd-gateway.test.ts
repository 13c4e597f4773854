// The etcdv3 backend's own client of etcd's JSON gateway: the wire helpers,
// fail-over between members, user/password authentication (and a token etcd
// forgot), and a watch that resumes on another member when its own dies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CalicoError } from '../../src/api/errors.js';
import { EtcdDatastore } from '../../src/datastore/etcd.js';
import { EtcdServerError, prefixRangeEnd, serverError } from '../../src/datastore/etcd/wire.js';
import type { StoredResource, WatchEvent } from '../../src/datastore/types.js';
import { freePort, startEtcd, type EtcdCluster } from '../helpers/etcd.js';
import { unique } from './conformance.js';

const netSet = (name: string): StoredResource => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'GlobalNetworkSet',
  metadata: { name },
  spec: { nets: ['10.0.0.0/8'] },
});

describe('etcd gateway wire format', () => {
  const ends: { name: string; prefix: string; end: Buffer }[] = [
    { name: 'the prefix with its last byte incremented', prefix: '/calico/', end: Buffer.from('/calico0') },
    { name: 'byte-wise, within a multi-byte character', prefix: 'ns-é', end: Buffer.from([0x6e, 0x73, 0x2d, 0xc3, 0xaa]) },
    { name: 'NUL (every key) for the empty prefix', prefix: '', end: Buffer.from([0]) },
  ];
  for (const c of ends) {
    it(`a prefix's range end is ${c.name}`, () => {
      assert.deepEqual(Buffer.from(prefixRangeEnd(c.prefix), 'base64'), c.end);
    });
  }

  it('reads the gRPC code and message of a gateway error body', () => {
    const e = serverError(400, '{"error":"etcdserver: user name is empty","message":"etcdserver: user name is empty","code":3}');
    assert.deepEqual([e.grpcCode, e.message, e.transient], [3, 'etcdserver: user name is empty', false]);
  });

  it('treats a non-gateway 5xx answer as etcd being briefly unavailable', () => {
    const e = serverError(502, '<html>bad gateway</html>');
    assert.ok(e instanceof EtcdServerError && e.transient);
    assert.match(e.message, /^HTTP 502: <html>bad gateway/);
  });

  it('recognises an expired auth token', () => {
    assert.equal(serverError(401, '{"error":"etcdserver: invalid auth token","message":"etcdserver: invalid auth token","code":16}').invalidToken, true);
  });
});

/** Calls etcd's gateway directly, as an administrator would with etcdctl. */
async function admin(endpoint: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: token === undefined ? {} : { authorization: token },
  });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${JSON.stringify(answer)}`);
  return answer;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('etcdv3 with user/password authentication', () => {
  let etcd: EtcdCluster;
  let endpoint: string;
  const rootToken = async (): Promise<string> => String((await admin(endpoint, '/v3/auth/authenticate', { name: 'root', password: 'root-pw' }))['token']);
  before(async () => {
    etcd = await startEtcd();
    endpoint = etcd.endpoints[0] ?? '';
    await admin(endpoint, '/v3/auth/user/add', { name: 'root', password: 'root-pw' });
    await admin(endpoint, '/v3/auth/role/add', { name: 'root' });
    await admin(endpoint, '/v3/auth/user/grant', { user: 'root', role: 'root' });
    // Calico's user may touch /calico/ and nothing else.
    await admin(endpoint, '/v3/auth/user/add', { name: 'calico', password: 'calico-pw' });
    await admin(endpoint, '/v3/auth/role/add', { name: 'calico' });
    await admin(endpoint, '/v3/auth/role/grant', { name: 'calico', perm: { permType: 'READWRITE', key: b64('/calico/'), range_end: b64('/calico0') } });
    await admin(endpoint, '/v3/auth/user/grant', { user: 'calico', role: 'calico' });
    await admin(endpoint, '/v3/auth/enable', {});
  });
  after(() => etcd?.stop());

  const open = (password: string): Promise<EtcdDatastore> =>
    EtcdDatastore.open({ type: 'etcdv3', endpoints: etcd.endpoints, username: 'calico', password });

  it('reads, writes and watches with the token of the configured user', async (t) => {
    const ds = await open('calico-pw');
    t.after(() => ds.close());
    const name = unique('auth');
    const seen = new Promise<WatchEvent>((resolve) => {
      const w = ds.watch({ kinds: ['GlobalNetworkSet'], afterRevision: 0 }, (e) => {
        if (e.type === 'added' && e.resource.metadata.name === name) {
          w.close();
          resolve(e);
        }
      });
    });
    const created = await ds.create(netSet(name));
    assert.deepEqual(await ds.get({ kind: 'GlobalNetworkSet', name }), created);
    const ev = await seen;
    assert.ok(ev.type === 'added');
    assert.equal(ev.revision, Number(created.metadata.resourceVersion));
  });

  it('a wrong password fails unavailable, saying authentication failed', async (t) => {
    const ds = await open('wrong');
    t.after(() => ds.close());
    await assert.rejects(ds.get({ kind: 'GlobalNetworkSet', name: 'x' }), (e: unknown) => e instanceof CalicoError && e.code === 'unavailable' && /authentication failed/.test(e.message));
  });

  it('authenticates again when etcd no longer knows its token', async (t) => {
    const ds = await open('calico-pw');
    t.after(() => ds.close());
    const name = unique('token');
    await ds.create(netSet(name));
    // Turning auth off and on forgets every simple token, as a restarted member or an expired TTL does.
    await admin(endpoint, '/v3/auth/disable', {}, await rootToken());
    await admin(endpoint, '/v3/auth/enable', {});
    assert.equal((await ds.get({ kind: 'GlobalNetworkSet', name }))?.metadata.name, name);
  });

  it('a watch started with a token etcd no longer knows authenticates again and sees later writes', async (t) => {
    const ds = await open('calico-pw');
    t.after(() => ds.close());
    const from = await ds.revision();
    await admin(endpoint, '/v3/auth/disable', {}, await rootToken());
    await admin(endpoint, '/v3/auth/enable', {});
    const name = unique('rewatch');
    const events: WatchEvent[] = [];
    const seen = new Promise<void>((resolve) => {
      const w = ds.watch({ kinds: ['GlobalNetworkSet'], afterRevision: from }, (e) => {
        events.push(e);
        if (e.type !== 'added' || e.resource.metadata.name === name) {
          w.close();
          resolve();
        }
      });
    });
    const writer = await open('calico-pw');
    t.after(() => writer.close());
    await writer.create(netSet(name));
    await seen;
    assert.deepEqual(events.map((e) => (e.type === 'added' ? e.resource.metadata.name : e.type)), [name]);
  });
});

describe('etcdv3 across members', () => {
  it('moves on to the next endpoint within one call when the first refuses connections', async (t) => {
    const etcd = await startEtcd();
    t.after(() => etcd.stop());
    const dead = `http://127.0.0.1:${await freePort()}`;
    // No budget for retries: only fail-over inside the call can succeed.
    const ds = await EtcdDatastore.open({ type: 'etcdv3', endpoints: [dead, ...etcd.endpoints] }, { operationBudgetMs: 0 });
    t.after(() => ds.close());
    const created = await ds.create(netSet(unique('failover')));
    assert.deepEqual(await ds.get({ kind: 'GlobalNetworkSet', name: created.metadata.name }), created);
  });

  it('a watch whose member dies resumes on another and delivers every write once, in order', { timeout: 120_000 }, async (t) => {
    const cluster = await startEtcd({ members: 3 });
    t.after(() => cluster.stop());
    const ds = await EtcdDatastore.open({ type: 'etcdv3', endpoints: cluster.endpoints });
    t.after(() => ds.close());
    const p = unique('resume');
    const names = Array.from({ length: 20 }, (_, i) => `${p}-${i}`);
    const events: WatchEvent[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    // The watch opens on the first endpoint, the member killed below.
    const watch = ds.watch({ kinds: ['GlobalNetworkSet'], afterRevision: await ds.revision() }, (e) => {
      events.push(e);
      if (e.type === 'resync-required' || events.length === names.length) done();
    });
    t.after(() => watch.close());
    for (const [i, name] of names.entries()) {
      if (i === 10) await cluster.members[0]?.kill();
      await ds.create(netSet(name));
    }
    await finished;
    assert.deepEqual(events.map((e) => (e.type === 'added' ? e.resource.metadata.name : e.type)), names);
  });
});
