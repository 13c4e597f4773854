// What libcalico-go's IPPool client checks and does beyond validation: no
// overlapping pools and no block-size clash with existing blocks on create,
// CIDR / block size / LoadBalancer use fixed on update, and on delete the
// pool is first disabled and its block affinities released so no new address
// comes from it.
import type { FieldError } from '../../api/errors.js';
import type { IPPool } from '../../api/infra-types.js';
import { ipPoolBlockSizeErrors, ipPoolOverlapErrors, ipPoolUpdateErrors } from '../../api/kinds/ip-pool.js';
import { blockCidr } from '../../datastore/keys.js';
import type { Datastore, StoredResource } from '../../datastore/types.js';
import { IpamClient } from '../../ipam/index.js';
import { erroredField, validationError, valueAt } from './errors.js';

/** Field names as the IPPool client reports them (`IPPool.Spec.CIDR`). */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  'spec.cidr': 'IPPool.Spec.CIDR',
  'spec.blockSize': 'IPPool.Spec.BlockSize',
  'spec.allowedUses': 'IPPool.Spec.AllowedUses',
};

function goList(v: unknown): unknown {
  return Array.isArray(v) ? `[${v.map(String).join(' ')}]` : v;
}

function poolError(pool: StoredResource, errors: readonly FieldError[]): Error | undefined {
  if (errors.length === 0) return undefined;
  return validationError(
    errors.map((e) => erroredField(FIELD_NAMES[e.path] ?? e.path, goList(valueAt(pool, e.path)), e.message)),
  );
}

/** Create: the defaulted pool against every other pool and every existing block. */
export async function checkPoolCreate(ds: Datastore, pool: StoredResource): Promise<void> {
  const pools = (await ds.list({ kind: 'IPPool' })).items as unknown as IPPool[];
  const overlap = poolError(pool, ipPoolOverlapErrors(pool as unknown as IPPool, pools));
  if (overlap !== undefined) throw overlap;
  const blocks = (await ds.list({ kind: 'IPAMBlock' })).items.map((b) => blockCidr(b.metadata.name));
  const clash = poolError(pool, ipPoolBlockSizeErrors(pool as unknown as IPPool, blocks));
  if (clash !== undefined) throw clash;
}

/** Update: what may not change. */
export function checkPoolUpdate(old: StoredResource, next: StoredResource): void {
  const err = poolError(next, ipPoolUpdateErrors(old as unknown as IPPool, next as unknown as IPPool));
  if (err !== undefined) throw err;
}

/**
 * Before a pool is deleted: disabled (conditionally on the caller's
 * resourceVersion, if any), then every host's affinity to its blocks
 * released. Returns the resourceVersion the delete must now use.
 */
export async function retirePool(
  ds: Datastore,
  pool: StoredResource,
  update: (r: StoredResource) => Promise<StoredResource>,
  resourceVersion: string | undefined,
): Promise<string | undefined> {
  const spec = (pool.spec ?? {}) as { disabled?: boolean; cidr?: string };
  let rv = resourceVersion;
  if (spec.disabled !== true) {
    const metadata = rv === undefined ? pool.metadata : { ...pool.metadata, resourceVersion: rv };
    await update({ ...pool, metadata, spec: { ...spec, disabled: true } });
    // The version has moved on; the delete itself is unconditional, as upstream.
    rv = undefined;
  }
  // As upstream, a moment for allocations already under way to finish first.
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (typeof spec.cidr === 'string') await new IpamClient(ds).releasePoolAffinities(spec.cidr);
  return rv;
}
