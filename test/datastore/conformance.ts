// The one specification both backends meet. Each backend's test file calls
// conformance() with a way to reach a fresh, running store of its kind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CalicoError } from '../../src/api/errors.js';
import { openDatastore, type DatastoreConfig } from '../../src/datastore/index.js';
import type { Datastore, StoredResource, WatchEvent } from '../../src/datastore/types.js';

export interface Backend {
  readonly config: DatastoreConfig;
  /** Environment a child process needs to open the same store through loadDatastoreConfig. */
  readonly env: Readonly<Record<string, string>>;
  /** Discards history up to `revision` (etcd compaction, sqlite change-log trim). */
  compact(ds: Datastore, revision: number): Promise<void>;
  cleanup(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Runs test/datastore/worker.ts in its own node process against the backend. */
export function runWorker(env: Readonly<Record<string, string>>, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`worker ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

let seq = 0;
/** A name no other test uses, so tests can share one etcd. */
export function unique(base: string): string {
  seq += 1;
  return `${base}-${process.pid}-${Date.now().toString(36)}-${seq}`;
}

function policy(namespace: string, name: string, order = 100): StoredResource {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { namespace, name, labels: { app: 'web' } },
    spec: { order, selector: 'app == "web"', types: ['Ingress'] },
  };
}

function netSet(name: string, labels: Record<string, string> = {}): StoredResource {
  return { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name, labels }, spec: { nets: ['10.0.0.0/8'] } };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof CalicoError && err.code === code);
}

/** Collects watch events until `done` says enough, or fails after `ms`. */
function collect(
  ds: Datastore,
  options: Parameters<Datastore['watch']>[0],
  done: (events: readonly WatchEvent[]) => boolean,
  ms = 5000,
): Promise<WatchEvent[]> {
  return new Promise((resolve, reject) => {
    const events: WatchEvent[] = [];
    const timer = setTimeout(() => {
      w.close();
      reject(new Error(`watch saw only ${JSON.stringify(events.map((e) => e.type))} in ${ms} ms`));
    }, ms);
    const w = ds.watch(options, (e) => {
      events.push(e);
      if (done(events)) {
        clearTimeout(timer);
        w.close();
        resolve(events);
      }
    });
  });
}

function names(events: readonly WatchEvent[]): string[] {
  return events.map((e) =>
    e.type === 'deleted' ? `deleted ${e.key.name}` : e.type === 'resync-required' ? 'resync' : `${e.type} ${e.resource.metadata.name}`,
  );
}

export function conformance(label: string, setup: () => Promise<Backend>): void {
  describe(`${label} datastore conformance`, () => {
    let backend: Backend;
    let ds: Datastore;
    before(async () => {
      backend = await setup();
      ds = await openDatastore(backend.config);
    });
    after(async () => {
      await ds?.close();
      await backend?.cleanup();
    });

    it('create sets uid, creationTimestamp and resourceVersion, and get returns the same resource', async () => {
      const ns = unique('ns');
      const created = await ds.create(policy(ns, 'allow-web'));
      assert.match(created.metadata.uid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.match(created.metadata.resourceVersion ?? '', /^\d+$/);
      const got = await ds.get({ kind: 'NetworkPolicy', namespace: ns, name: 'allow-web' });
      assert.deepEqual(got, created);
      assert.deepEqual(got?.spec, policy(ns, 'allow-web').spec);
    });

    it('create of an existing resource fails already-exists and changes nothing', async () => {
      const ns = unique('ns');
      const first = await ds.create(policy(ns, 'p', 1));
      await rejectsWith(ds.create(policy(ns, 'p', 2)), 'already-exists');
      assert.deepEqual(await ds.get({ kind: 'NetworkPolicy', namespace: ns, name: 'p' }), first);
    });

    it('get of an absent resource is undefined', async () => {
      assert.equal(await ds.get({ kind: 'NetworkPolicy', namespace: unique('ns'), name: 'none' }), undefined);
    });

    it('update keeps uid and creationTimestamp whatever the caller sends and returns a newer resourceVersion', async () => {
      const ns = unique('ns');
      const created = await ds.create(policy(ns, 'p'));
      const updated = await ds.update({
        ...policy(ns, 'p', 5),
        metadata: { ...created.metadata, uid: 'forged', creationTimestamp: '2000-01-01T00:00:00Z' },
      });
      assert.equal(updated.metadata.uid, created.metadata.uid);
      assert.equal(updated.metadata.creationTimestamp, created.metadata.creationTimestamp);
      assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
      assert.deepEqual(await ds.get({ kind: 'NetworkPolicy', namespace: ns, name: 'p' }), updated);
    });

    it('update with a stale resourceVersion fails conflict; with the current one it succeeds', async () => {
      const ns = unique('ns');
      const v1 = await ds.create(policy(ns, 'p', 1));
      const v2 = await ds.update({ ...policy(ns, 'p', 2), metadata: v1.metadata });
      await rejectsWith(ds.update({ ...policy(ns, 'p', 3), metadata: v1.metadata }), 'conflict');
      const v3 = await ds.update({ ...policy(ns, 'p', 3), metadata: v2.metadata });
      assert.deepEqual((v3.spec as { order: number }).order, 3);
    });

    it('update without resourceVersion overwrites unconditionally', async () => {
      const ns = unique('ns');
      await ds.create(policy(ns, 'p', 1));
      const v = await ds.update(policy(ns, 'p', 9));
      assert.deepEqual((v.spec as { order: number }).order, 9);
    });

    it('an empty resourceVersion is unconditional and a malformed one is refused', async () => {
      const ns = unique('ns');
      const v1 = await ds.create(policy(ns, 'p', 1));
      const v2 = await ds.update({ ...policy(ns, 'p', 2), metadata: { ...v1.metadata, resourceVersion: '' } });
      assert.deepEqual((v2.spec as { order: number }).order, 2);
      await rejectsWith(ds.update({ ...policy(ns, 'p', 3), metadata: { ...v1.metadata, resourceVersion: 'abc' } }), 'invalid-value');
      await rejectsWith(ds.delete({ kind: 'NetworkPolicy', namespace: ns, name: 'p' }, '-1'), 'invalid-value');
    });

    it('update of an absent resource fails not-found', async () => {
      await rejectsWith(ds.update(policy(unique('ns'), 'none')), 'not-found');
    });

    it('delete with a stale resourceVersion fails conflict; with the current one it returns the last value', async () => {
      const ns = unique('ns');
      const key = { kind: 'NetworkPolicy', namespace: ns, name: 'p' };
      const v1 = await ds.create(policy(ns, 'p', 1));
      const v2 = await ds.update({ ...policy(ns, 'p', 2), metadata: v1.metadata });
      await rejectsWith(ds.delete(key, v1.metadata.resourceVersion), 'conflict');
      assert.deepEqual(await ds.delete(key, v2.metadata.resourceVersion), v2);
      assert.equal(await ds.get(key), undefined);
      await rejectsWith(ds.delete(key), 'not-found');
    });

    it('list selects by kind, by namespace and by name prefix', async () => {
      const [a, b] = [unique('ns-a'), unique('ns-b')];
      for (const [ns, n] of [[a, 'web-1'], [a, 'web-2'], [a, 'db-1'], [b, 'web-1']] as const) await ds.create(policy(ns, n));
      await ds.create({ ...policy(a, 'web-staged'), kind: 'StagedNetworkPolicy' });
      const inA = await ds.list({ kind: 'NetworkPolicy', namespace: a });
      assert.deepEqual(inA.items.map((r) => r.metadata.name), ['db-1', 'web-1', 'web-2']);
      const webInA = await ds.list({ kind: 'NetworkPolicy', namespace: a, namePrefix: 'web-' });
      assert.deepEqual(webInA.items.map((r) => r.metadata.name), ['web-1', 'web-2']);
      const all = await ds.list({ kind: 'NetworkPolicy' });
      const ours = all.items.filter((r) => r.metadata.namespace === a || r.metadata.namespace === b);
      assert.deepEqual(ours.map((r) => `${r.metadata.namespace}/${r.metadata.name}`), [`${a}/db-1`, `${a}/web-1`, `${a}/web-2`, `${b}/web-1`]);
      assert.ok(all.items.every((r) => r.kind === 'NetworkPolicy'));
    });

    it('list of a cluster-scoped kind selects by name prefix', async () => {
      const p = unique('gns');
      for (const n of ['x-1', 'x-2', 'y-1']) await ds.create(netSet(`${p}-${n}`));
      const xs = await ds.list({ kind: 'GlobalNetworkSet', namePrefix: `${p}-x` });
      assert.deepEqual(xs.items.map((r) => r.metadata.name), [`${p}-x-1`, `${p}-x-2`]);
    });

    it('list reports a revision no older than any listed item', async () => {
      const p = unique('gns');
      const r = await ds.create(netSet(p));
      const listed = await ds.list({ kind: 'GlobalNetworkSet', namePrefix: p });
      assert.ok(listed.revision >= Number(r.metadata.resourceVersion));
    });

    it('every write gets a larger revision than the one before, and revision() reports the latest', async () => {
      const p = unique('gns');
      const revs: number[] = [];
      for (let i = 0; i < 5; i++) revs.push(Number((await ds.create(netSet(`${p}-${i}`))).metadata.resourceVersion));
      const u = await ds.update(netSet(`${p}-0`, { v: '2' }));
      revs.push(Number(u.metadata.resourceVersion));
      for (let i = 1; i < revs.length; i++) assert.ok((revs[i] ?? 0) > (revs[i - 1] ?? 0), `revisions ${revs.join(',')}`);
      assert.ok((await ds.revision()) >= (revs.at(-1) ?? Infinity));
    });

    it('the namespace is required for namespaced kinds and refused for cluster-scoped ones', async () => {
      await rejectsWith(ds.create({ ...policy('x', 'p'), metadata: { name: 'p' } }), 'required');
      await rejectsWith(ds.create({ ...netSet('n'), metadata: { name: 'n', namespace: 'x' } }), 'invalid-value');
      await rejectsWith(ds.get({ kind: 'NoSuchKind', name: 'n' }), 'unknown-kind');
    });

    it('a Kubernetes NetworkPolicy and a Calico NetworkPolicy of the same name live side by side', async () => {
      const ns = unique('ns');
      const k8s: StoredResource = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { namespace: ns, name: 'same' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      };
      await ds.create(k8s);
      await ds.create(policy(ns, 'same'));
      const got = await ds.get({ kind: 'KubernetesNetworkPolicy', namespace: ns, name: 'same' });
      assert.equal(got?.apiVersion, 'networking.k8s.io/v1');
      assert.deepEqual(got?.spec, k8s.spec);
      assert.equal((await ds.list({ kind: 'NetworkPolicy', namespace: ns })).items[0]?.apiVersion, 'projectcalico.org/v3');
      assert.equal((await ds.list({ kind: 'KubernetesNetworkPolicy', namespace: ns })).items.length, 1);
    });

    it('IPAM records store the backend model as spec and carry no uid', async () => {
      const host = unique('node');
      const affinity = { state: 'confirmed', deleted: false };
      const a = await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'BlockAffinity', metadata: { name: `${host}/ipv4/10.9.0.0-26` }, spec: affinity });
      await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'BlockAffinity', metadata: { name: `${host}/ipv6/fd00::-122` }, spec: affinity });
      assert.equal(a.metadata.uid, undefined);
      const listed = await ds.list({ kind: 'BlockAffinity', namePrefix: `${host}/` });
      assert.deepEqual(listed.items.map((r) => r.metadata.name), [`${host}/ipv4/10.9.0.0-26`, `${host}/ipv6/fd00::-122`]);
      assert.deepEqual(listed.items[0]?.spec, affinity);
      const handle = unique('k8s-pod-network.abc');
      const h = await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'IPAMHandle', metadata: { name: handle }, spec: { block: { '10.9.0.0/26': 1 }, deleted: false } });
      await rejectsWith(ds.update({ ...h, spec: { block: {}, deleted: false }, metadata: { ...h.metadata, resourceVersion: String(Number(h.metadata.resourceVersion) - 1) } }), 'conflict');
    });

    it('a watch from a revision sees every later change in order, deletes included', async () => {
      const p = unique('gns');
      const start = await ds.revision();
      const seen = collect(ds, { kinds: ['GlobalNetworkSet'], afterRevision: start }, (ev) => ev.filter((e) => names([e])[0]?.includes(p)).length >= 4);
      const created = await ds.create(netSet(`${p}-a`));
      await ds.update({ ...created, metadata: { ...created.metadata, labels: { v: '2' } } });
      await ds.create(netSet(`${p}-b`));
      await ds.delete({ kind: 'GlobalNetworkSet', name: `${p}-a` });
      const events = (await seen).filter((e) => names([e])[0]?.includes(p));
      assert.deepEqual(names(events), [`added ${p}-a`, `modified ${p}-a`, `added ${p}-b`, `deleted ${p}-a`]);
      const revs = events.map((e) => (e.type === 'resync-required' ? 0 : e.revision));
      assert.deepEqual([...revs].sort((x, y) => x - y), revs);
      const del = events[3];
      assert.ok(del?.type === 'deleted' && del.previous?.metadata.labels?.v === '2');
    });

    it('a watch resumed from an older revision replays what happened since', async () => {
      const p = unique('gns');
      const from = await ds.revision();
      await ds.create(netSet(`${p}-1`));
      await ds.create(netSet(`${p}-2`));
      const events = await collect(ds, { kinds: ['GlobalNetworkSet'], afterRevision: from }, (ev) => ev.filter((e) => names([e])[0]?.includes(p)).length >= 2);
      assert.deepEqual(names(events.filter((e) => names([e])[0]?.includes(p))), [`added ${p}-1`, `added ${p}-2`]);
    });

    it('a watch filtered by kind sees only those kinds', async () => {
      const ns = unique('ns');
      const from = await ds.revision();
      await ds.create(policy(ns, 'p'));
      const s = await ds.create(netSet(unique('gns')));
      const events = await collect(ds, { kinds: ['NetworkPolicy'], afterRevision: from }, (ev) => ev.some((e) => e.type === 'added' && e.resource.metadata.namespace === ns));
      assert.ok(events.every((e) => e.type === 'added' && e.resource.kind === 'NetworkPolicy'));
      assert.ok(events.every((e) => e.type !== 'added' || e.resource.metadata.name !== s.metadata.name));
    });

    it('a watch from before the compacted revision ends with resync-required', async () => {
      const from = await ds.revision();
      await ds.create(netSet(unique('gns')));
      const r = await ds.create(netSet(unique('gns')));
      await backend.compact(ds, Number(r.metadata.resourceVersion));
      const events = await collect(ds, { afterRevision: from }, (ev) => ev.some((e) => e.type === 'resync-required'));
      assert.equal(events.at(-1)?.type, 'resync-required');
      assert.equal(events.length, 1);
    });

    it('a write by another process reaches a watcher here', async () => {
      const name = unique('child');
      const from = await ds.revision();
      const seen = collect(ds, { kinds: ['GlobalNetworkSet'], afterRevision: from }, (ev) => ev.some((e) => e.type === 'added' && e.resource.metadata.name === name), 20_000);
      const rv = (await runWorker(backend.env, ['create', name])).trim();
      const events = await seen;
      const ev = events.find((e) => e.type === 'added' && e.resource.metadata.name === name);
      assert.ok(ev?.type === 'added');
      assert.equal(ev.resource.metadata.resourceVersion, rv);
      assert.equal(ev.resource.metadata.labels?.from, 'child');
    });

    it('20 processes incrementing one counter with compare-and-swap lose no update', async () => {
      const name = unique('counter');
      await ds.create(netSet(name, { counter: '0' }));
      await Promise.all(Array.from({ length: 20 }, () => runWorker(backend.env, ['increment', name, '10'])));
      const final = await ds.get({ kind: 'GlobalNetworkSet', name });
      assert.equal(final?.metadata.labels?.counter, '200');
    });
  });
}
