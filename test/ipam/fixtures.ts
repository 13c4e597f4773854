// Shared set-up for IPAM shell tests: a temporary sqlite datastore seeded with
// Nodes, IPPools and IPReservations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatastore } from '../../src/datastore/index.js';
import type { Datastore } from '../../src/datastore/types.js';
import { CALICO_API_VERSION } from '../../src/api/meta.js';
import { MemoryDatastore } from './memory-datastore.js';
import type { AffinityOwner } from '../../src/ipam/model.js';

export interface TempStore {
  readonly ds: Datastore;
  readonly path: string;
  cleanup(): Promise<void>;
}

/** In memory unless IPAM_TEST_BACKEND=sqlite (the concurrency tests always use sqlite). */
export async function tempStore(): Promise<TempStore> {
  if (process.env.IPAM_TEST_BACKEND === 'sqlite') return tempSqlite();
  const ds = new MemoryDatastore();
  return { ds, path: ':memory:', cleanup: () => ds.close() };
}

export async function tempSqlite(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'ipam-test-'));
  const path = join(dir, 'calico.db');
  const ds = await openDatastore({ type: 'sqlite', path });
  return {
    ds,
    path,
    cleanup: async () => {
      await ds.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function addNode(ds: Datastore, name: string, labels: Record<string, string> = {}): Promise<void> {
  await ds.create({ apiVersion: CALICO_API_VERSION, kind: 'Node', metadata: { name, labels }, spec: {} });
}

export async function addPool(ds: Datastore, name: string, spec: Record<string, unknown>): Promise<void> {
  await ds.create({ apiVersion: CALICO_API_VERSION, kind: 'IPPool', metadata: { name }, spec });
}

export async function addReservation(ds: Datastore, name: string, reservedCIDRs: string[]): Promise<void> {
  await ds.create({ apiVersion: CALICO_API_VERSION, kind: 'IPReservation', metadata: { name }, spec: { reservedCIDRs } });
}

/** The affinity owner of a node. */
export function host(name: string): AffinityOwner {
  return { type: 'host', host: name };
}

/** The owner of LoadBalancer blocks (upstream's virtual node `load-balancer`). */
export const LOAD_BALANCER: AffinityOwner = { type: 'virtual', host: 'load-balancer' };
