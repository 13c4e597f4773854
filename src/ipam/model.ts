// The IPAM backend records, in Calico's own JSON shape (libcalico-go
// lib/backend/model block.go, block_affinity.go, ipam_handle.go,
// ipam_config.go): what is stored as the `spec` of the IPAMBlock,
// BlockAffinity, IPAMHandle and IPAMConfig records is exactly this JSON, so a
// dump reads like upstream's etcd values.
import type { Cidr, IpFamily } from '../api/net.js';

export type AttrMap = Readonly<Record<string, string>>;

export interface AllocationAttribute {
  readonly handle_id?: string;
  /** The active owner's attributes; upstream serialises them under `secondary`. */
  readonly secondary?: AttrMap;
  readonly alternateOwnerAttrs?: AttrMap;
  /** RFC 3339 time the address was released; set only while the address cools down. */
  readonly releasedAt?: string;
}

export interface AllocationBlock {
  readonly cidr: Cidr;
  /** `host:<node>`, `virtual:load-balancer`, or null when no host owns the block. */
  readonly affinity: string | null;
  readonly affinity_claim_time?: string;
  /** One entry per ordinal: an index into `attributes`, or null when free. */
  readonly allocations: readonly (number | null)[];
  /** Free ordinals in FIFO order: allocation takes from the head, release appends to the tail. */
  readonly unallocated: readonly number[];
  readonly attributes: readonly AllocationAttribute[];
  /**
   * Bumped on every write; starts at the creation time so that a deleted and
   * recreated block never repeats a number. Upstream uses nanoseconds; we use
   * microseconds, which keeps the value an exact JSON number (below 2^53).
   */
  readonly sequenceNumber: number;
  /** Block sequence number at the time each ordinal was allocated, keyed by ordinal. */
  readonly sequenceNumberForAllocation: Readonly<Record<string, number>>;
  readonly deleted: boolean;
}

export type AffinityState = 'pending' | 'confirmed' | 'pendingDeletion';

export interface BlockAffinity {
  /** `''` is a legacy value read as confirmed. */
  readonly state: AffinityState | '';
  readonly deleted: boolean;
}

export interface IpamHandle {
  /** Number of addresses this handle holds in each block, by block CIDR. */
  readonly block: Readonly<Record<string, number>>;
  readonly deleted: boolean;
}

export interface IpamConfig {
  readonly strictAffinity: boolean;
  readonly autoAllocateBlocks: boolean;
  readonly maxBlocksPerHost: number;
  readonly kubeVirtVMAddressPersistence: 'Enabled' | 'Disabled';
  readonly ipCooldownSeconds: number;
}

export const DEFAULT_IPAM_CONFIG: IpamConfig = {
  strictAffinity: false,
  autoAllocateBlocks: true,
  maxBlocksPerHost: 0,
  kubeVirtVMAddressPersistence: 'Enabled',
  ipCooldownSeconds: 0,
};

/** Effective cap on affine blocks per host and IP family when nothing sets one. */
export const DEFAULT_MAX_BLOCKS_PER_HOST = 20;

export const WINDOWS_RESERVED_HANDLE = 'windows-reserved-ipam-handle';

export type AffinityType = 'host' | 'virtual';

export interface AffinityOwner {
  readonly type: AffinityType;
  readonly host: string;
}

export function affinityString(owner: AffinityOwner): string {
  return `${owner.type}:${owner.host}`;
}

export function parseAffinity(affinity: string | null): AffinityOwner | null {
  if (affinity === null) return null;
  for (const type of ['host', 'virtual'] as const) {
    if (affinity.startsWith(`${type}:`)) return { type, host: affinity.slice(type.length + 1) };
  }
  return null;
}

/** The host an affinity names, '' for unaffine or virtual blocks (upstream `Host()`). */
export function blockHost(block: AllocationBlock): string {
  const owner = parseAffinity(block.affinity);
  return owner?.type === 'host' ? owner.host : '';
}

export function familyName(family: IpFamily): 'ipv4' | 'ipv6' {
  return family === 4 ? 'ipv4' : 'ipv6';
}

/** Handles written by host-local migrations may carry a `\r`; upstream cuts there. */
export function sanitizeHandle(handle: string): string {
  const cut = handle.indexOf('\r');
  return cut < 0 ? handle : handle.slice(0, cut);
}
