// calico-node records its version and cluster type in ClusterInformation.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatastore } from '../../src/datastore/index.js';
import type { Datastore } from '../../src/datastore/types.js';
import { calicoVersion, ensureClusterInformation, mergeClusterTypes } from '../../src/agent/cluster-info.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-info-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
async function fresh(): Promise<Datastore> {
  return openDatastore({ type: 'sqlite', path: join(dir, `ds-${n++}.db`) });
}

type Spec = { calicoVersion?: string; clusterType?: string; clusterGUID?: string; datastoreReady?: boolean };
const specOf = async (ds: Datastore): Promise<Spec> => ((await ds.get({ kind: 'ClusterInformation', name: 'default' }))?.spec ?? {}) as Spec;

describe('cluster types merge as upstream keeps them', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['', '', ''],
    ['', 'k8s,bgp', 'k8s,bgp'],
    ['k8s,bgp', 'bgp', 'k8s,bgp'],
    ['k8s', 'lab, vxlan', 'k8s,lab,vxlan'],
    ['k8s,,bgp', '', 'k8s,bgp'],
  ];
  for (const [existing, added, want] of cases) {
    it(`"${existing}" + "${added}" → "${want}"`, () => assert.equal(mergeClusterTypes(existing, added), want));
  }
});

describe('ensureClusterInformation', () => {
  it('creates ClusterInformation with the version, a GUID and datastoreReady when there is none', async () => {
    const ds = await fresh();
    await ensureClusterInformation(ds, 'v9.9.9', 'lab');
    const spec = await specOf(ds);
    assert.equal(spec.calicoVersion, 'v9.9.9');
    assert.equal(spec.clusterType, 'lab');
    assert.match(spec.clusterGUID ?? '', /^[0-9a-f]{32}$/);
    assert.equal(spec.datastoreReady, true);
    await ds.close();
  });

  it('updates the version of an existing one, keeping its GUID and merging the types', async () => {
    const ds = await fresh();
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { clusterGUID: 'abc', datastoreReady: true, clusterType: 'k8s', calicoVersion: 'v0.0.1' } });
    await ensureClusterInformation(ds, 'v1.2.3', 'bgp');
    assert.deepEqual(await specOf(ds), { clusterGUID: 'abc', datastoreReady: true, clusterType: 'k8s,bgp', calicoVersion: 'v1.2.3' });
    await ds.close();
  });

  it('writes nothing when the record already says so', async () => {
    const ds = await fresh();
    const first = await ensureClusterInformation(ds, 'v1.0.0', 'lab');
    const again = await ensureClusterInformation(ds, 'v1.0.0', 'lab');
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion);
    await ds.close();
  });

  it('nodes starting at once all land their cluster type (compare-and-swap retries)', async () => {
    const ds = await fresh();
    const types = ['a', 'b', 'c', 'd'];
    await Promise.all(types.map(async (t) => {
      const own = await openDatastore({ type: 'sqlite', path: join(dir, `ds-${n - 1}.db`) });
      try {
        await ensureClusterInformation(own, 'v1.0.0', t);
      } finally {
        await own.close();
      }
    }));
    assert.deepEqual((await specOf(ds)).clusterType?.split(',').sort(), types);
    await ds.close();
  });

  it('calico-node reports the package version with a v', () => assert.match(calicoVersion(), /^v\d+\.\d+\.\d+/));
});
