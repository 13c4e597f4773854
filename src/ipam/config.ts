// IPAM configuration: the defaults synthesised when none is stored (and not
// written back), the cross-field rules the setter enforces, and the JSON form
// with upstream's keys and omitempty behaviour.
import { CalicoError } from '../api/errors.js';
import { DEFAULT_IPAM_CONFIG, type IpamConfig } from './model.js';

interface StoredConfig {
  strict_affinity?: boolean;
  auto_allocate_blocks?: boolean;
  maxBlocksPerHost?: number;
  kubeVirtVMAddressPersistence?: string;
  ipCooldownSeconds?: number;
}

export function configFromStored(spec: unknown): IpamConfig {
  const s = (spec ?? {}) as StoredConfig;
  return {
    strictAffinity: s.strict_affinity === true,
    // Absent means "not set": upstream's own writes always store true here when it is on.
    autoAllocateBlocks: s.auto_allocate_blocks ?? (spec === undefined ? true : false),
    maxBlocksPerHost: typeof s.maxBlocksPerHost === 'number' ? s.maxBlocksPerHost : 0,
    kubeVirtVMAddressPersistence: s.kubeVirtVMAddressPersistence === 'Disabled' ? 'Disabled' : 'Enabled',
    ipCooldownSeconds: typeof s.ipCooldownSeconds === 'number' ? s.ipCooldownSeconds : 0,
  };
}

export function configToStored(c: IpamConfig): StoredConfig {
  return {
    ...(c.strictAffinity ? { strict_affinity: true } : {}),
    ...(c.autoAllocateBlocks ? { auto_allocate_blocks: true } : {}),
    ...(c.maxBlocksPerHost !== 0 ? { maxBlocksPerHost: c.maxBlocksPerHost } : {}),
    kubeVirtVMAddressPersistence: c.kubeVirtVMAddressPersistence,
    ...(c.ipCooldownSeconds !== 0 ? { ipCooldownSeconds: c.ipCooldownSeconds } : {}),
  };
}

/** The rules SetIPAMConfig enforces before writing. */
export function validateConfig(c: IpamConfig): CalicoError | null {
  if (!c.strictAffinity && !c.autoAllocateBlocks) {
    return new CalicoError('invalid-value', "Cannot disable 'StrictAffinity' and 'AutoAllocateBlocks' at the same time");
  }
  if (c.maxBlocksPerHost < 0) return new CalicoError('invalid-value', '`maxBlocksPerHost` must be greater than or equal to 0');
  if (c.maxBlocksPerHost > 0 && !c.strictAffinity) {
    return new CalicoError('invalid-value', 'MaxBlocksPerHost requires StrictAffinity to be enabled');
  }
  if (c.ipCooldownSeconds < 0 || c.ipCooldownSeconds > 1200) {
    return new CalicoError('invalid-value', 'IPCooldownSeconds must be between 0 and 1200');
  }
  return null;
}

export { DEFAULT_IPAM_CONFIG };
