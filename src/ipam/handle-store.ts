// Handle bookkeeping around block writes. The handle is incremented BEFORE the
// block is written and decremented if that write loses: a crash in between
// leaves a handle that over-counts (which `ipam check` reports), never an
// allocation that no handle knows about.
import { CalicoError } from '../api/errors.js';
import { decrementHandle, emptyHandle, incrementHandle, isHandleEmpty } from './handles.js';
import type { IpamStore } from './store.js';

/** Upstream's bound on compare-and-swap retries for every IPAM write. */
export const DATASTORE_RETRIES = 100;

export const MAX_RETRIES_MESSAGE = 'Max retries hit - excessive concurrent IPAM requests';

export async function incrementHandleRecord(store: IpamStore, id: string, blockCidr: string, n: number): Promise<void> {
  // Most handles are new (one per container): try the create first, and read only when it exists.
  if (typeof (await store.createHandle(id, incrementHandle(emptyHandle(), blockCidr, n))) !== 'string') return;
  for (let i = 0; i < DATASTORE_RETRIES; i++) {
    const h = await store.getHandle(id);
    const out =
      h === undefined
        ? await store.createHandle(id, incrementHandle(emptyHandle(), blockCidr, n))
        : await store.updateHandle(id, incrementHandle(h.value, blockCidr, n), h.revision);
    if (typeof out !== 'string') return;
  }
  throw new CalicoError('conflict', MAX_RETRIES_MESSAGE);
}

/** Lowers the handle's count for a block, deleting the handle once it holds nothing. */
export async function decrementHandleRecord(store: IpamStore, id: string, blockCidr: string, n: number): Promise<void> {
  for (let i = 0; i < DATASTORE_RETRIES; i++) {
    const h = await store.getHandle(id);
    if (h === undefined) return;
    const next = decrementHandle(h.value, blockCidr, n);
    const out = isHandleEmpty(next) ? await store.deleteHandle(id, h.revision) : await store.updateHandle(id, next, h.revision);
    if (out !== 'conflict') return;
  }
  throw new CalicoError('conflict', MAX_RETRIES_MESSAGE);
}
