// IPPool: a range of addresses Calico IPAM allocates from, with its
// encapsulation, NAT and node/namespace selection. Validation combines the
// Go validator, the CRD's CEL rules and the client's checks, all judged on
// the defaulted values as Calico judges them (defaults come first there).
import { z } from 'zod';
import { uniqueList } from '../schema.js';
import { conditionSchema, crdSelector, enumOf, envelopeWithStatus, intIn } from '../infra-schema.js';
import { defineKind, type Fields, type Issues } from '../infra-kind.js';
import { cidrContainsIp, cidrsOverlap, formatCidr, parseCidr, parseIp, type IpFamily } from '../net.js';
import { fieldError, type FieldError } from '../errors.js';
import type { EncapMode, IPPool, IPPoolAllowedUse, IPPoolSpec } from '../infra-types.js';

export const DEFAULT_BLOCK_SIZE: Readonly<Record<IpFamily, number>> = { 4: 26, 6: 122 };
const BLOCK_SIZE_RANGE: Readonly<Record<IpFamily, readonly [number, number]>> = { 4: [20, 32], 6: [116, 128] };
export const DEFAULT_ALLOWED_USES: readonly IPPoolAllowedUse[] = ['Workload', 'Tunnel'];

// An empty mode is what an omitted one unmarshals to in Go: both mean Never.
const encapMode = z
  .union([enumOf(['Never', 'Always', 'CrossSubnet']), z.literal('')], {
    message: 'must be one of Never, Always, CrossSubnet',
  })
  .transform((m) => (m === '' ? undefined : m));

const allowedUse = z.enum(['Workload', 'Tunnel', 'LoadBalancer'], {
  error: (iss) => `unknown use: ${String(iss.input)}`,
});

const LINK_LOCAL = { 4: parseCidr('169.254.0.0/16'), 6: parseCidr('fe80::/10') } as const;

const encapOn = (m: string | undefined): boolean => m !== undefined && m !== '' && m !== 'Never';

function checkPool(spec: Fields, out: Issues): void {
  const text = spec.str('cidr');
  const slash = text?.indexOf('/') ?? -1;
  const cidr = text !== undefined && slash >= 0 ? parseCidr(text) : null;
  const addr = text !== undefined && slash >= 0 ? parseIp(text.slice(0, slash)) : null;
  const ipipMode = spec.str('ipipMode');
  const vxlanMode = spec.str('vxlanMode');
  const nodeSelector = spec.str('nodeSelector');
  const namespaceSelector = spec.str('namespaceSelector');

  if (text === '') out.add(['cidr'], 'IPPool CIDR must be specified');
  else if (text !== undefined && cidr === null) out.add(['cidr'], 'IPPool CIDR must be a valid subnet');
  else if (cidr !== null && addr?.value !== cidr.network) out.add(['cidr'], 'IPPool CIDR is not strictly masked');

  if (encapOn(ipipMode) && encapOn(vxlanMode)) out.add(['vxlanMode'], 'ipipMode and vxlanMode cannot both be enabled');

  const given = spec.strs('allowedUses') ?? [];
  const uses = given.length === 0 ? DEFAULT_ALLOWED_USES : given;
  if (uses.includes('LoadBalancer')) {
    if (uses.some((u) => u === 'Workload' || u === 'Tunnel')) {
      out.add(['allowedUses'], 'LoadBalancer cannot be combined with Workload or Tunnel allowed uses');
    }
    if (encapOn(ipipMode) || encapOn(vxlanMode)) {
      out.add(['allowedUses'], 'LoadBalancer IP pool cannot have IPIP or VXLAN enabled');
    }
    if (spec.bool('disableBGPExport') === true) out.add(['disableBGPExport'], 'LoadBalancer IP pools cannot disable BGP export');
    if ((nodeSelector === undefined || nodeSelector === '' ? 'all()' : nodeSelector) !== 'all()') {
      out.add(['nodeSelector'], 'IP Pool with AllowedUse LoadBalancer must have nodeSelector set to all()');
    }
  }
  if (uses.includes('Tunnel') && namespaceSelector !== undefined && namespaceSelector !== '') {
    out.add(['namespaceSelector'], 'IP Pool with AllowedUse Tunnel cannot have namespaceSelector');
  }
  if (nodeSelector?.includes('global(') === true) {
    out.add(['nodeSelector'], 'global() selector is not valid for IPPool nodeSelector');
  }
  if (namespaceSelector?.includes('global(') === true) {
    out.add(['namespaceSelector'], 'global() selector is not valid for IPPool namespaceSelector');
  }

  if (cidr === null || addr === null) return;
  if (cidr.family === 6 && encapOn(ipipMode)) out.add(['ipipMode'], 'IPIP is not supported on IPv6 pools');
  const linkLocal = LINK_LOCAL[cidr.family];
  if (linkLocal !== null && (cidrContainsIp(linkLocal, addr) || cidrContainsIp(cidr, { family: cidr.family, value: linkLocal.network }))) {
    out.add(
      ['cidr'],
      cidr.family === 4
        ? 'IPPool CIDR overlaps with IPv4 link local range 169.254.0.0/16'
        : 'IPPool CIDR overlaps with IPv6 link local range fe80::/10',
    );
  }
  const [lo, hi] = BLOCK_SIZE_RANGE[cidr.family];
  const size = spec.num('blockSize');
  const blockSize = size === undefined || size === 0 ? DEFAULT_BLOCK_SIZE[cidr.family] : size;
  if (blockSize < lo || blockSize > hi) {
    out.add(['blockSize'], 'blockSize must be between 20 and 32 for IPv4 pools, and between 116 and 128 for IPv6 pools');
  } else if (spec.bool('disabled') !== true && cidr.prefixLength > blockSize) {
    out.add(['cidr'], 'IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.');
  }
}

const specSchema = z.strictObject({
  cidr: z.string().max(48, { message: 'must be at most 48 characters' }),
  vxlanMode: encapMode.optional(),
  ipipMode: encapMode.optional(),
  natOutgoing: z.boolean().optional(),
  disabled: z.boolean().optional(),
  disableBGPExport: z.boolean().optional(),
  blockSize: intIn(0, 128).optional(),
  nodeSelector: crdSelector.optional(),
  namespaceSelector: crdSelector.optional(),
  allowedUses: uniqueList(allowedUse).max(10, { message: 'must have at most 10 items' }).optional(),
  assignmentMode: enumOf(['Automatic', 'Manual']).optional(),
});

const schema: z.ZodType<IPPool> = envelopeWithStatus({
  kind: 'IPPool',
  meta: { namespaced: false },
  spec: specSchema,
  status: z.strictObject({ conditions: z.array(conditionSchema).optional() }),
});

/**
 * Calico's IPPool defaults: canonical CIDR, block size by family, Never
 * encapsulation, `all()` node selector, Workload+Tunnel uses, Automatic mode.
 */
export function ipPoolDefaults(spec: IPPoolSpec): IPPoolSpec {
  const cidr = parseCidr(spec.cidr);
  const family: IpFamily = cidr?.family ?? 4;
  const mode = (m: EncapMode | undefined): EncapMode => m ?? 'Never';
  return {
    ...spec,
    cidr: cidr === null ? spec.cidr : formatCidr(cidr),
    vxlanMode: mode(spec.vxlanMode),
    ipipMode: mode(spec.ipipMode),
    blockSize: spec.blockSize === undefined || spec.blockSize === 0 ? DEFAULT_BLOCK_SIZE[family] : spec.blockSize,
    nodeSelector: spec.nodeSelector === undefined || spec.nodeSelector === '' ? 'all()' : spec.nodeSelector,
    allowedUses: spec.allowedUses === undefined || spec.allowedUses.length === 0 ? DEFAULT_ALLOWED_USES : spec.allowedUses,
    assignmentMode: spec.assignmentMode ?? 'Automatic',
  };
}

export const ipPoolKind = defineKind<IPPool>({
  kind: 'IPPool',
  plural: 'ippools',
  aliases: ['ippool', 'ipp', 'ipps', 'pool', 'pools'],
  schema,
  check: checkPool,
  applyDefaults: (r) => ({ ...r, spec: ipPoolDefaults(r.spec) }),
});

// ---- rules that need the stored state (the IPPool client runs them on write) ----

/**
 * Whether an update may change the CIDR text: only to the canonical form of
 * the same network (e.g. a differently compressed IPv6 address).
 */
function cidrChangeOK(oldCidr: string, newCidr: string): boolean {
  if (oldCidr === newCidr) return true;
  const a = oldCidr.includes('/') ? parseCidr(oldCidr) : null;
  const b = newCidr.includes('/') ? parseCidr(newCidr) : null;
  if (a === null || b === null) return false;
  return a.family === b.family && a.network === b.network && a.prefixLength === b.prefixLength && newCidr === formatCidr(b);
}

/** What the client refuses on Update: a new CIDR or block size, or leaving LoadBalancer use. */
export function ipPoolUpdateErrors(old: IPPool, next: IPPool): FieldError[] {
  const out: FieldError[] = [];
  const nextSpec = ipPoolDefaults(next.spec);
  const oldSpec = ipPoolDefaults(old.spec);
  if (!cidrChangeOK(old.spec.cidr, nextSpec.cidr)) out.push(fieldError('invalid-value', 'spec.cidr', 'IPPool CIDR cannot be modified'));
  if (oldSpec.blockSize !== nextSpec.blockSize) {
    out.push(fieldError('invalid-value', 'spec.blockSize', 'IPPool BlockSize cannot be modified'));
  }
  if ((oldSpec.allowedUses ?? []).includes('LoadBalancer') && (nextSpec.allowedUses ?? []).some((u) => u !== 'LoadBalancer')) {
    // Upstream's wording, typo included.
    out.push(fieldError('invalid-value', 'spec.allowedUses', 'IPPool allowed use cannot be changed from LoadBalacer to Workload or Tunnel'));
  }
  return out;
}

/** What the client refuses on Create: a CIDR overlapping any other pool. */
export function ipPoolOverlapErrors(pool: IPPool, existing: readonly IPPool[]): FieldError[] {
  const mine = parseCidr(pool.spec.cidr);
  if (mine === null) return [];
  const out: FieldError[] = [];
  for (const other of existing) {
    if (other.metadata.name === pool.metadata.name) continue;
    const theirs = parseCidr(other.spec.cidr);
    if (theirs !== null && cidrsOverlap(mine, theirs)) {
      out.push(
        fieldError(
          'invalid-value',
          'spec.cidr',
          `IPPool(${pool.metadata.name}) CIDR overlaps with IPPool(${other.metadata.name}) CIDR ${other.spec.cidr}`,
        ),
      );
    }
  }
  return out;
}

/** On Create, existing IPAM blocks inside the pool must have the pool's block size. */
export function ipPoolBlockSizeErrors(pool: IPPool, blockCidrs: readonly string[]): FieldError[] {
  const spec = ipPoolDefaults(pool.spec);
  const mine = parseCidr(spec.cidr);
  if (mine === null) return [];
  const conflict = blockCidrs.some((b) => {
    const block = parseCidr(b);
    return block !== null && block.family === mine.family && block.prefixLength !== spec.blockSize && cidrsOverlap(block, mine);
  });
  return conflict
    ? [fieldError('invalid-value', 'spec.blockSize', 'IPPool blocksSize conflicts with existing allocations that use a different blockSize')]
    : [];
}
