// IPAM handles: the secondary index from a handle to the blocks holding its
// addresses, so that release-by-handle reads only those blocks.
import type { IpamHandle } from './model.js';

export function emptyHandle(): IpamHandle {
  return { block: {}, deleted: false };
}

export function incrementHandle(handle: IpamHandle, blockCidr: string, n: number): IpamHandle {
  return { ...handle, block: { ...handle.block, [blockCidr]: (handle.block[blockCidr] ?? 0) + n } };
}

/** Lowers a block's count, dropping the block when it reaches zero. */
export function decrementHandle(handle: IpamHandle, blockCidr: string, n: number): IpamHandle {
  const left = (handle.block[blockCidr] ?? 0) - n;
  const block: Record<string, number> = { ...handle.block };
  if (left > 0) block[blockCidr] = left;
  else delete block[blockCidr];
  return { ...handle, block };
}

export function isHandleEmpty(handle: IpamHandle): boolean {
  return Object.keys(handle.block).length === 0;
}
