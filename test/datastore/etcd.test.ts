// The etcdv3 backend against real etcd servers: the conformance suite, Calico's
// key layout, a three-member cluster losing a member mid-writes, TLS with
// client certificates, and an unreachable endpoint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CalicoError } from '../../src/api/errors.js';
import { openDatastore, type EtcdConfig } from '../../src/datastore/index.js';
import { EtcdDatastore } from '../../src/datastore/etcd.js';
import type { StoredResource, WatchEvent } from '../../src/datastore/types.js';
import { freePort, startEtcd, type EtcdCluster } from '../helpers/etcd.js';
import { conformance, unique } from './conformance.js';
import { RawEtcd } from './raw-etcd.js';

conformance('etcdv3', async () => {
  const etcd = await startEtcd();
  return {
    config: { type: 'etcdv3', endpoints: etcd.endpoints },
    env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoints.join(',') },
    compact: async (ds, revision) => {
      assert.ok(ds instanceof EtcdDatastore);
      await ds.compact(revision);
    },
    cleanup: () => etcd.stop(),
  };
});

const np: StoredResource = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { namespace: 'prod', name: 'allow-web' },
  spec: { selector: 'app == "web"' },
};

describe('etcdv3 key layout is Calico’s', () => {
  let etcd: EtcdCluster;
  let raw: RawEtcd;
  before(async () => {
    etcd = await startEtcd();
    raw = new RawEtcd(etcd.endpoints[0] ?? '');
  });
  after(async () => {
    await etcd?.stop();
  });

  const cases: { name: string; resource: StoredResource; key: string; value: (r: StoredResource) => unknown }[] = [
    {
      name: 'a namespaced v3 resource, without resourceVersion in the value',
      resource: np,
      key: '/calico/resources/v3/projectcalico.org/networkpolicies/prod/allow-web',
      value: (r) => {
        const { resourceVersion: _rv, ...metadata } = r.metadata;
        return { ...r, metadata };
      },
    },
    {
      name: 'a cluster-scoped v3 resource',
      resource: { apiVersion: 'projectcalico.org/v3', kind: 'BGPFilter', metadata: { name: 'f' }, spec: {} },
      key: '/calico/resources/v3/projectcalico.org/bgpfilters/f',
      value: (r) => {
        const { resourceVersion: _rv, ...metadata } = r.metadata;
        return { ...r, metadata };
      },
    },
    {
      name: 'a Kubernetes NetworkPolicy',
      resource: { ...np, apiVersion: 'networking.k8s.io/v1', spec: { podSelector: {} } },
      key: '/calico/resources/v3/networking.k8s.io/networkpolicies/prod/allow-web',
      value: (r) => {
        const { resourceVersion: _rv, ...metadata } = r.metadata;
        return { ...r, metadata };
      },
    },
    {
      name: 'an IPAM block: the model object alone',
      resource: {
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPAMBlock',
        metadata: { name: '10.0.0.0-26' },
        spec: { cidr: '10.0.0.0/26', affinity: 'host:n1', allocations: [0, null], unallocated: [1], attributes: [{ handle_id: 'h', secondary: null }], sequenceNumber: 0, sequenceNumberForAllocation: null, deleted: false },
      },
      key: '/calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26',
      value: (r) => r.spec,
    },
    {
      name: 'an IPv6 block affinity',
      resource: { apiVersion: 'projectcalico.org/v3', kind: 'BlockAffinity', metadata: { name: 'n1/ipv6/fd00:1::-122' }, spec: { state: 'confirmed', deleted: false } },
      key: '/calico/ipam/v2/host/n1/ipv6/block/fd00:1::-122',
      value: (r) => r.spec,
    },
    {
      name: 'an IPAM handle',
      resource: { apiVersion: 'projectcalico.org/v3', kind: 'IPAMHandle', metadata: { name: 'k8s-pod-network.c1' }, spec: { block: { '10.0.0.0/26': 1 }, deleted: false } },
      key: '/calico/ipam/v2/handle/k8s-pod-network.c1',
      value: (r) => r.spec,
    },
    {
      name: 'the IPAM config',
      resource: { apiVersion: 'projectcalico.org/v3', kind: 'IPAMConfig', metadata: { name: 'default' }, spec: { strict_affinity: true, auto_allocate_blocks: true } },
      key: '/calico/ipam/v2/config',
      value: (r) => r.spec,
    },
  ];
  for (const c of cases) {
    it(`stores ${c.name} at ${c.key} with resourceVersion = mod_revision`, async () => {
      const ds = await openDatastore({ type: 'etcdv3', endpoints: etcd.endpoints });
      try {
        const created = await ds.create(c.resource);
        const kv = await raw.get(c.key);
        assert.ok(kv !== undefined, `nothing at ${c.key}`);
        assert.equal(kv.mod_revision, created.metadata.resourceVersion);
        assert.deepEqual(JSON.parse(kv.value), c.value(created));
      } finally {
        await ds.close();
      }
    });
  }

  it('reads a block affinity Calico wrote under its key', async () => {
    await raw.put('/calico/ipam/v2/host/node-7/ipv4/block/192.168.5.0-26', '{"state":"confirmed","deleted":false}');
    const ds = await openDatastore({ type: 'etcdv3', endpoints: etcd.endpoints });
    try {
      const list = await ds.list({ kind: 'BlockAffinity', namePrefix: 'node-7/' });
      assert.deepEqual(list.items.map((r) => [r.metadata.name, r.spec]), [['node-7/ipv4/192.168.5.0-26', { state: 'confirmed', deleted: false }]]);
    } finally {
      await ds.close();
    }
  });
});

describe('etcdv3 on a three-member cluster', () => {
  it('keeps accepting writes, and loses none, when a member dies in the middle of them', { timeout: 180_000 }, async (t) => {
    const cluster = await startEtcd({ members: 3 });
    t.after(() => cluster.stop());
    const ds = await openDatastore({ type: 'etcdv3', endpoints: cluster.endpoints });
    t.after(() => ds.close());
    const p = unique('ha');
    const watched: WatchEvent[] = [];
    const watch = ds.watch({ kinds: ['GlobalNetworkSet'], afterRevision: await ds.revision() }, (e) => watched.push(e));
    t.after(() => watch.close());
    const written: string[] = [];
    for (let i = 0; i < 120; i++) {
      if (i === 40) await cluster.members[0]?.kill();
      const r = await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name: `${p}-${i}` }, spec: { nets: [] } });
      written.push(r.metadata.name);
    }
    const listed = await ds.list({ kind: 'GlobalNetworkSet', namePrefix: `${p}-` });
    assert.deepEqual(listed.items.map((r) => r.metadata.name).sort(), [...written].sort());
    // The watch either delivered every write in order or said it must resync: it never drops one silently.
    for (let i = 0; i < 100 && watched.length < written.length && !watched.some((e) => e.type === 'resync-required'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const resynced = watched.findIndex((e) => e.type === 'resync-required');
    const delivered = (resynced < 0 ? watched : watched.slice(0, resynced)).map((e) => (e.type === 'added' ? e.resource.metadata.name : e.type));
    assert.deepEqual(delivered, resynced < 0 ? written : written.slice(0, delivered.length));
  });
});

describe('etcdv3 over TLS with client certificates', () => {
  let etcd: EtcdCluster;
  before(async () => {
    etcd = await startEtcd({ tls: true });
  });
  after(() => etcd?.stop());

  it('reads and writes with the CA, certificate and key from the configuration', async () => {
    const tls = etcd.tls;
    assert.ok(tls !== undefined);
    const config: EtcdConfig = { type: 'etcdv3', endpoints: etcd.endpoints, caCert: { file: tls.caFile }, cert: { file: tls.certFile }, key: { file: tls.keyFile } };
    const ds = await openDatastore(config);
    try {
      const created = await ds.create(np);
      assert.deepEqual(await ds.get({ kind: 'NetworkPolicy', namespace: 'prod', name: 'allow-web' }), created);
    } finally {
      await ds.close();
    }
  });

  it('without a client certificate the server refuses and the error is unavailable', { timeout: 20_000 }, async () => {
    const tls = etcd.tls;
    assert.ok(tls !== undefined);
    const ds = await openDatastore({ type: 'etcdv3', endpoints: etcd.endpoints, caCert: { file: tls.caFile } });
    try {
      await assert.rejects(ds.get({ kind: 'Tier', name: 'default' }), (e: unknown) => e instanceof CalicoError && e.code === 'unavailable');
    } finally {
      await ds.close();
    }
  });
});

describe('etcdv3 unreachable', () => {
  it('fails unavailable with a message naming the endpoint, in seconds', { timeout: 15_000 }, async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const ds = await openDatastore({ type: 'etcdv3', endpoints: [endpoint] });
    try {
      await assert.rejects(ds.create(np), (e: unknown) => {
        return e instanceof CalicoError && e.code === 'unavailable' && e.message.includes(endpoint) && !e.message.includes('\n    at ');
      });
    } finally {
      await ds.close();
    }
  });

  it('a watch whose etcd goes away ends with resync-required', { timeout: 30_000 }, async (t) => {
    const etcd = await startEtcd();
    t.after(() => etcd.stop());
    const ds = await EtcdDatastore.open({ type: 'etcdv3', endpoints: etcd.endpoints }, { watchReconnectMs: 500 });
    t.after(() => ds.close());
    const events: WatchEvent[] = [];
    const ended = new Promise<void>((resolve) => {
      ds.watch({ afterRevision: 0 }, (e) => {
        events.push(e);
        if (e.type === 'resync-required') resolve();
      });
    });
    await ds.create(np);
    await new Promise((r) => setTimeout(r, 300));
    await etcd.members[0]?.kill();
    await ended;
    assert.deepEqual(events.map((e) => e.type), ['added', 'resync-required']);
  });
});
