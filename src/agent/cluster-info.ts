// What calico/node writes at start (libcalico-go's EnsureInitialized with a
// version and cluster type): ClusterInformation `default` carries the running
// Calico version, and the cluster types of every node merged, so that
// `calicoctl version` reports the cluster's version.
import { randomUUID } from 'node:crypto';
import { CalicoError } from '../api/errors.js';
import { CALICO_API_VERSION } from '../api/meta.js';
import { calicoTsVersion } from '../api/version.js';
import type { Datastore, StoredResource } from '../datastore/types.js';

const MAX_ATTEMPTS = 5;

/** The version calico-node reports. */
export const calicoVersion = calicoTsVersion;

/** Upstream keeps every type any node declared, comma-separated, in first-seen order. */
export function mergeClusterTypes(existing: string, added: string): string {
  const types = existing.split(',').map((t) => t.trim()).filter((t) => t !== '');
  for (const t of added.split(',').map((x) => x.trim())) if (t !== '' && !types.includes(t)) types.push(t);
  return types.join(',');
}

type Spec = Record<string, unknown>;

function desiredSpec(current: Spec, version: string, clusterType: string): Spec {
  const spec: Spec = { ...current, calicoVersion: version };
  const merged = mergeClusterTypes(typeof current['clusterType'] === 'string' ? current['clusterType'] : '', clusterType);
  if (merged !== '') spec['clusterType'] = merged;
  if (typeof current['clusterGUID'] !== 'string' || current['clusterGUID'] === '') spec['clusterGUID'] = randomUUID().replaceAll('-', '');
  if (typeof current['datastoreReady'] !== 'boolean') spec['datastoreReady'] = true;
  return spec;
}

/**
 * Creates or updates ClusterInformation `default` with compare-and-swap,
 * retrying when another node or calicoctl wrote it in between.
 */
export async function ensureClusterInformation(ds: Datastore, version: string, clusterType: string): Promise<StoredResource> {
  for (let attempt = 1; ; attempt++) {
    try {
      const current = await ds.get({ kind: 'ClusterInformation', name: 'default' });
      if (current === undefined) {
        return await ds.create({
          apiVersion: CALICO_API_VERSION,
          kind: 'ClusterInformation',
          metadata: { name: 'default' },
          spec: desiredSpec({}, version, clusterType),
        });
      }
      const spec = (current.spec ?? {}) as Spec;
      const want = desiredSpec(spec, version, clusterType);
      if (JSON.stringify(want) === JSON.stringify(spec)) return current;
      return await ds.update({ ...current, spec: want });
    } catch (err) {
      const retry = err instanceof CalicoError && (err.code === 'conflict' || err.code === 'already-exists');
      if (!retry || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}
