// calicoctl datastore migrate: export writes everything the datastore holds
// (every kind, Kubernetes policies, IPAM records) as YAML; import loads it
// into an empty datastore and refuses one that is not; lock/unlock flip
// ClusterInformation's datastoreReady.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { openDatastore } from '../../src/datastore/index.js';
import type { StoredResource } from '../../src/datastore/types.js';
import { startEtcd, type EtcdCluster } from '../helpers/etcd.js';
import { docs, gnp, makeCtl, type Ctl } from './helpers.js';

const V3 = 'projectcalico.org/v3';

const seed = docs(
  'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: gold\nspec:\n  order: 10\n',
  gnp('g1', '  tier: gold\n  selector: all()\n'),
  'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: np1\n  namespace: prod\nspec:\n  selector: all()\n',
  'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool1\nspec:\n  cidr: 10.1.0.0/16\n',
  'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  podSelector: {}\n',
);

/** IPAM records as the IPAM component writes them (their spec is Calico's backend model, opaque here). */
const ipamRecords: readonly StoredResource[] = [
  { apiVersion: V3, kind: 'IPAMConfig', metadata: { name: 'default' }, spec: { strict_affinity: false, auto_allocate_blocks: true } },
  {
    apiVersion: V3,
    kind: 'IPAMBlock',
    metadata: { name: '10.1.0.0-26' },
    spec: { cidr: '10.1.0.0/26', affinity: 'host:node1', allocations: [0, null], unallocated: [1], attributes: [{ handle_id: 'h1' }] },
  },
  { apiVersion: V3, kind: 'BlockAffinity', metadata: { name: 'node1/ipv4/10.1.0.0-26' }, spec: { state: 'confirmed', deleted: false } },
  { apiVersion: V3, kind: 'IPAMHandle', metadata: { name: 'h1' }, spec: { handleID: 'h1', block: { '10.1.0.0/26': 1 } } },
];

async function addIpamRecords(dbPath: string): Promise<void> {
  const ds = await openDatastore({ type: 'sqlite', path: dbPath });
  try {
    for (const r of ipamRecords) await ds.create(r);
  } finally {
    await ds.close();
  }
}

async function seeded(t: { after(fn: () => void): void }): Promise<Ctl> {
  const ctl = makeCtl(t);
  assert.equal((await ctl.run(['apply', '-f', ctl.file('seed.yaml', seed)])).code, 0);
  await addIpamRecords(ctl.dbPath);
  return ctl;
}

function kindsOf(yamlText: string): string[] {
  return parseAllDocuments(yamlText).map((d) => {
    const o = d.toJS() as { kind: string; metadata: { name: string } };
    return `${o.kind}/${o.metadata.name}`;
  });
}

describe('calicoctl datastore migrate', () => {
  it('export writes every resource and IPAM record as YAML, tiers before policies, IPAM last', async (t) => {
    const ctl = await seeded(t);
    assert.equal((await ctl.run(['datastore', 'migrate', 'lock'])).stdout, 'Datastore locked.\n');
    const r = await ctl.run(['datastore', 'migrate', 'export']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(kindsOf(r.stdout), [
      'IPPool/pool1',
      'Tier/default',
      'Tier/gold',
      'Tier/kube-admin',
      'Tier/kube-baseline',
      'GlobalNetworkPolicy/g1',
      'NetworkPolicy/np1',
      'NetworkPolicy/web',
      'ClusterInformation/default',
      'IPAMConfig/default',
      'IPAMBlock/10.1.0.0-26',
      'BlockAffinity/node1/ipv4/10.1.0.0-26',
      'IPAMHandle/h1',
    ]);
    assert.doesNotMatch(r.stdout, /uid:|resourceVersion:/);
  });

  it('export warns when the datastore is not locked', async (t) => {
    const ctl = await seeded(t);
    const r = await ctl.run(['datastore', 'migrate', 'export']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^WARNING: datastore is not locked\./);
  });

  it('import into an empty datastore reproduces the export exactly, then unlock', async (t) => {
    const src = await seeded(t);
    await src.run(['datastore', 'migrate', 'lock']);
    const exported = (await src.run(['datastore', 'migrate', 'export'])).stdout;
    const dst = makeCtl(t);
    const file = dst.file('export.yaml', exported);
    assert.deepEqual(await dst.run(['datastore', 'migrate', 'import', '-f', file]), {
      code: 0,
      stdout:
        'Successfully applied 9 resource(s)\nSuccessfully applied 4 IPAM resource(s)\nDatastore information successfully imported.\n',
      stderr: '',
    });
    assert.equal((await dst.run(['datastore', 'migrate', 'export'])).stdout, exported);
    const ds = await openDatastore({ type: 'sqlite', path: dst.dbPath });
    try {
      for (const r of ipamRecords) {
        const got = await ds.get({ kind: r.kind, name: r.metadata.name });
        assert.deepEqual(got?.spec, r.spec);
      }
    } finally {
      await ds.close();
    }
    assert.equal((await dst.run(['datastore', 'migrate', 'unlock'])).stdout, 'Datastore unlocked.\n');
    const ci = await dst.run(['get', 'clusterinfo', '-o', 'custom-columns=DATASTOREREADY']);
    assert.equal(ci.stdout, 'DATASTOREREADY   \ntrue             \n\n');
    assert.equal((await dst.run(['get', 'gnp', 'g1', '-o', 'custom-columns=NAME,TIER'])).stdout, 'NAME   TIER   \ng1     gold   \n\n');
  });

  it('import refuses a datastore that already holds resources, writing nothing', async (t) => {
    const src = await seeded(t);
    const exported = (await src.run(['datastore', 'migrate', 'export'])).stdout;
    const dst = makeCtl(t);
    await dst.run(['apply', '-f', dst.file('one.yaml', gnp('mine'))]);
    const r = await dst.run(['datastore', 'migrate', 'import', '-f', dst.file('export.yaml', exported)]);
    assert.deepEqual(
      [r.code, r.stderr],
      [1, 'datastore already has Calico resources: found existing Calico GlobalNetworkPolicy resource. Import needs an empty datastore\n'],
    );
    assert.equal((await dst.run(['get', 'gnp', '-o', 'custom-columns=NAME'])).stdout, 'NAME   \nmine   \n\n');
  });

  it('import checks the whole file first: one invalid document, nothing written', async (t) => {
    const dst = makeCtl(t);
    const file = dst.file('bad.yaml', docs(gnp('ok'), gnp('bad', '  order: high\n')));
    const r = await dst.run(['datastore', 'migrate', 'import', '-f', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^failed to import resources:\n.*bad\.yaml: document 2 \(GlobalNetworkPolicy "bad"\): error with field spec\.order = 'high'/);
    assert.equal((await dst.run(['get', 'gnp', '-o', 'custom-columns=NAME'])).stdout, 'NAME   \n\n');
  });

  it('unlock without ClusterInformation says so', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['datastore', 'migrate', 'unlock']);
    assert.deepEqual(
      [r.code, r.stderr],
      [1, 'error retrieving ClusterInformation for unlocking: resource does not exist: ClusterInformation(default) with error: <nil>\n'],
    );
  });
});

describe('calicoctl datastore migrate between sqlite and etcd', () => {
  let etcd: EtcdCluster | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  it('sqlite → etcd → sqlite gives back the very same export', async (t) => {
    const src = await seeded(t);
    await src.run(['datastore', 'migrate', 'lock']);
    const exported = (await src.run(['datastore', 'migrate', 'export'])).stdout;
    const file = src.file('export.yaml', exported);
    const etcdEnv = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd?.endpoints.join(',') ?? '' };

    const intoEtcd = await src.run(['datastore', 'migrate', 'import', '-f', file], { env: etcdEnv });
    assert.equal(intoEtcd.code, 0, intoEtcd.stderr);
    const fromEtcd = await src.run(['datastore', 'migrate', 'export'], { env: etcdEnv });
    assert.equal(fromEtcd.stdout, exported);
    const again = await src.run(['datastore', 'migrate', 'import', '-f', file], { env: etcdEnv });
    assert.match(again.stderr, /^datastore already has Calico resources: found existing Calico /);

    const back = makeCtl(t);
    const intoSqlite = await back.run(['datastore', 'migrate', 'import', '-f', back.file('from-etcd.yaml', fromEtcd.stdout)]);
    assert.equal(intoSqlite.code, 0, intoSqlite.stderr);
    assert.equal((await back.run(['datastore', 'migrate', 'export'])).stdout, exported);
    const policies = await src.run(['get', 'gnp', '-o', 'custom-columns=NAME,TIER'], { env: etcdEnv });
    assert.equal(policies.stdout, 'NAME   TIER   \ng1     gold   \n\n');
  });
});
