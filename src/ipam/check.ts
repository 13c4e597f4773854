// `calicoctl ipam check` over a snapshot of the datastore (upstream
// calicoctl/commands/ipam/check.go): cross-references IPAM allocations with
// the addresses workloads and nodes actually use, handles with the blocks that
// mention them, and — a Calico-TS addition — block affinities with blocks.
// Pure: the caller loads the snapshot and prints the lines.
import { cidrContainsIp, parseIp, formatIp, type ParsedCidr } from '../api/net.js';
import { allocationsOf } from './block.js';
import { affinityString, blockHost, WINDOWS_RESERVED_HANDLE, type AffinityType, type AllocationAttribute, type AllocationBlock } from './model.js';
import type { IpamPool } from './pools.js';

export interface CheckSnapshot {
  readonly blocks: readonly AllocationBlock[];
  readonly handles: readonly HandleInfo[];
  readonly pools: readonly IpamPool[];
  readonly affinities: readonly AffinityInfo[];
  readonly nodes: readonly { readonly name: string; readonly spec: unknown }[];
  readonly workloads: readonly { readonly namespace: string; readonly name: string; readonly ipNetworks: readonly string[] }[];
  readonly cluster: ClusterInfo;
  readonly version: string;
}

export interface ClusterInfo {
  readonly guid: string;
  readonly revision: string;
  readonly locked: boolean;
  readonly clusterType: string;
}

/** As upstream's HandleInfo, serialised with Go's default (capitalised) field names. */
export interface HandleInfo {
  readonly ID: string;
  readonly UID?: string | null;
  readonly Revision: string;
}

export interface AffinityInfo {
  /** Absent in a report means `host`, as upstream reads an empty affinity type. */
  readonly type?: AffinityType;
  readonly host: string;
  readonly cidr: string;
  readonly state: string;
  readonly revision: string;
}

export interface ReportAllocation {
  ip: string;
  handle?: string;
  sequenceNumber?: number;
  pod?: string;
  namespace?: string;
  node?: string;
  type?: string;
  creationTimestamp?: string;
  inUse: boolean;
  borrowed?: boolean;
  coolingDown?: boolean;
  owners: string[] | null;
}

export interface CheckReport {
  readonly version: string;
  readonly clusterGUID: string;
  readonly datastoreLocked: boolean;
  readonly clusterInformationRevision: string;
  readonly clusterType: string;
  readonly allocations: Record<string, ReportAllocation[]>;
  readonly leakedHandles?: HandleInfo[];
  /** Calico-TS: affinities whose block is missing or owned by another host. */
  readonly leakedAffinities?: AffinityInfo[];
}

export interface CheckOptions {
  readonly showAllIps: boolean;
  readonly showProblemIps: boolean;
}

export interface CheckResult {
  readonly lines: string[];
  readonly problems: number;
  readonly report: CheckReport;
}

function kvs(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${m?.[k] ?? ''}`)
    .join(',');
}

function formatAttrs(a: AllocationAttribute): string {
  let s = `Main:${a.handle_id ?? '<none>'} Extra:${kvs(a.secondary)}`;
  if (a.alternateOwnerAttrs !== undefined && Object.keys(a.alternateOwnerAttrs).length > 0) s += ` Alternate:${kvs(a.alternateOwnerAttrs)}`;
  return s;
}

function ipOf(addr: string): string | null {
  const ip = parseIp(addr.split('/')[0] ?? '');
  return ip === null ? null : formatIp(ip.family, ip.value);
}

function nodeTunnelIps(spec: unknown): string[] {
  const s = (spec ?? {}) as { ipv4VXLANTunnelAddr?: string; wireguard?: { interfaceIPv4Address?: string }; bgp?: { ipv4IPIPTunnelAddr?: string } };
  return [s.ipv4VXLANTunnelAddr, s.wireguard?.interfaceIPv4Address, s.bgp?.ipv4IPIPTunnelAddr].filter((x): x is string => typeof x === 'string' && x !== '');
}

export function checkIpam(snap: CheckSnapshot, opts: CheckOptions): CheckResult {
  const lines: string[] = [];
  const print = (s = '') => lines.push(s);
  const allocations = new Map<string, ReportAllocation[]>();
  const byNode = new Map<string, number>();
  const inUse = new Map<string, string[]>();
  const inUseHandles = new Set<string>();

  const recordInUse = (ip: string, owner: string) => {
    if (opts.showAllIps) print(`  ${ip} belongs to ${owner}`);
    inUse.set(ip, [...(inUse.get(ip) ?? []), owner]);
    for (const a of allocations.get(ip) ?? []) {
      a.inUse = true;
      a.owners = [...(a.owners ?? []), owner];
    }
  };

  print('Checking IPAM for inconsistencies...');
  print();
  print('Loading all IPAM blocks...');
  print(`Found ${snap.blocks.length} IPAM blocks.`);
  let numAllocs = 0;
  for (const b of snap.blocks) {
    print(` IPAM block ${b.cidr} affinity=${b.affinity ?? '<none>'}:`);
    const owner = blockHost(b);
    for (const al of allocationsOf(b)) {
      numAllocs++;
      const attrs = al.attribute;
      const rec: ReportAllocation = { ip: al.ip, inUse: false, owners: null };
      let node = owner;
      if (attrs.handle_id !== undefined && attrs.handle_id === WINDOWS_RESERVED_HANDLE) {
        // recorded as in use below, once the allocation is known
      } else if (attrs.handle_id !== undefined) {
        rec.handle = attrs.handle_id;
        inUseHandles.add(attrs.handle_id);
      }
      if (attrs.releasedAt !== undefined) rec.coolingDown = true;
      const s = attrs.secondary ?? {};
      if (s.node) node = s.node;
      if (s.pod) rec.pod = s.pod;
      if (s.namespace) rec.namespace = s.namespace;
      if (s.type) rec.type = s.type;
      if (s.timestamp) rec.creationTimestamp = s.timestamp;
      rec.sequenceNumber = al.sequenceNumber;
      rec.node = node;
      if (node !== owner) rec.borrowed = true;
      allocations.set(al.ip, [...(allocations.get(al.ip) ?? []), rec]);
      byNode.set(node, (byNode.get(node) ?? 0) + 1);
      if (opts.showAllIps) print(`  ${al.ip} allocated; attrs ${formatAttrs(attrs)}`);
      if (attrs.handle_id === WINDOWS_RESERVED_HANDLE) recordInUse(al.ip, 'Reserved for Windows');
    }
  }
  print(`IPAM blocks record ${numAllocs} allocations.`);
  print();

  print('Loading all IPAM pools...');
  const active: ParsedCidr[] = [];
  for (const p of snap.pools) {
    if (p.disabled) continue;
    print(`  ${formatPool(p)}`);
    active.push(p.cidr);
  }
  print(`Found ${active.length} active IP pools.`);
  print();

  print('Loading all nodes.');
  let nodeIps = 0;
  for (const n of snap.nodes) {
    for (const ip of nodeTunnelIps(n.spec)) {
      const norm = ipOf(ip);
      if (norm === null) continue;
      recordInUse(norm, `Node(${n.name})`);
      nodeIps++;
    }
  }
  print(`Found ${nodeIps} node tunnel IPs.`);
  print();

  print('Loading all service load balancer IPs.');
  print('No configuration for LoadBalancer kubecontroller found, skipping service check');
  print();

  print('Loading all workload endpoints.');
  let wepIps = 0;
  for (const w of snap.workloads) {
    for (const net of w.ipNetworks) {
      const norm = ipOf(net);
      if (norm === null) continue;
      recordInUse(norm, `Workload(${w.namespace}/${w.name})`);
      wepIps++;
    }
  }
  print(`Found ${wepIps} workload IPs.`);
  print(`Workloads and nodes are using ${inUse.size} IPs.`);
  print();

  print('Loading all handles');
  const handles = new Map(snap.handles.map((h) => [h.ID, h]));

  print('Looking for top (up to 20) nodes by allocations...');
  const nodes = [...byNode.entries()].sort((a, b) => b[1] - a[1]);
  for (const [n, c] of nodes.slice(0, 20)) print(`  ${n} has ${c} allocations`);
  if (nodes.length > 0) print(`Node with most allocations has ${nodes[0]?.[1] ?? 0}; median is ${nodes[Math.floor(nodes.length / 2)]?.[1] ?? 0}`);
  print();

  let problems = 0;
  print('Scanning for IPs that are allocated but not actually in use...');
  let leaked = 0;
  for (const [ip, allocs] of allocations) {
    if (inUse.has(ip) || allocs.some((a) => a.coolingDown === true)) continue;
    if (opts.showProblemIps) for (let i = 0; i < allocs.length; i++) print(`  ${ip} leaked; attrs ${attrStringOf(snap.blocks, ip)}`);
    leaked++;
  }
  problems += leaked;
  print(`Found ${leaked} IPs that are allocated in IPAM but not actually in use.`);

  print('Scanning for IPs that are in use by a workload or node but not allocated in IPAM...');
  let nonCalico = 0;
  let notAllocated = 0;
  for (const [ip, owners] of inUse) {
    if (opts.showProblemIps && owners.length > 1) print(`  ${ip} has multiple owners.`);
    if (allocations.has(ip)) continue;
    const parsed = parseIp(ip);
    const inPool = parsed !== null && active.some((c) => cidrContainsIp(c, parsed));
    for (const o of owners) {
      if (opts.showProblemIps) print(inPool ? `  ${ip} in use by ${o} and in active IPAM pool but has no IPAM allocation.` : `  ${ip} in use by ${o} is not in any active IP pool.`);
    }
    if (inPool) notAllocated++;
    else nonCalico++;
  }
  problems += nonCalico + notAllocated;
  print(`Found ${nonCalico} in-use IPs that are not in active IP pools.`);
  print(`Found ${notAllocated} in-use IPs that are in active IP pools but have no corresponding IPAM allocation.`);
  print();

  print('Scanning for IPAM handles with no matching IPs...');
  const leakedHandles: HandleInfo[] = [];
  let good = 0;
  for (const [id, h] of handles) {
    if (inUseHandles.has(id)) {
      good++;
      continue;
    }
    if (opts.showAllIps) print(`  ${id} doesn't have any active IPs.`);
    leakedHandles.push(h);
  }
  problems += leakedHandles.length;
  print(`Found ${leakedHandles.length} handles with no matching IPs (and ${good} handles with matches).`);

  print('Scanning for IPs with missing handle...');
  let missing = 0;
  for (const id of inUseHandles) {
    if (handles.has(id)) continue;
    if (opts.showProblemIps) print(`  ${id} is in use in a block but doesn't exist.`);
    missing++;
  }
  print(`Found ${missing} handles mentioned in blocks with no matching handle resource.`);

  print('Scanning for block affinities that do not match their block...');
  const blocksByCidr = new Map<string, AllocationBlock>(snap.blocks.map((b) => [b.cidr, b]));
  const owner = (a: AffinityInfo): string => affinityString({ type: a.type ?? 'host', host: a.host });
  const leakedAffinities = snap.affinities.filter((a) => blocksByCidr.get(a.cidr)?.affinity !== owner(a));
  for (const a of leakedAffinities) if (opts.showProblemIps) print(`  affinity of ${a.type === 'virtual' ? owner(a) : a.host} for ${a.cidr} (${a.state || 'confirmed'}) has no block of its own.`);
  const affKeys = new Set(snap.affinities.map((a) => `${owner(a)}/${a.cidr}`));
  const orphanBlocks = snap.blocks.filter((b) => b.affinity !== null && !affKeys.has(`${b.affinity}/${b.cidr}`));
  for (const b of orphanBlocks) if (opts.showProblemIps) print(`  IPAM block ${b.cidr} is affine to ${blockHost(b) || (b.affinity ?? '')} but has no block affinity.`);
  problems += leakedAffinities.length + orphanBlocks.length;
  print(`Found ${leakedAffinities.length} block affinities without a matching block and ${orphanBlocks.length} affine blocks without an affinity.`);

  print('Validating IPAMBlock structures...');
  let invalid = 0;
  const now = Date.now();
  for (const b of snap.blocks) {
    const why = validateBlock(b, now);
    if (why === null) continue;
    print(`  IPAMBlock ${b.cidr} is invalid: ${why}`);
    invalid++;
  }
  problems += invalid;
  print(`Found ${invalid} invalid IPAMBlocks.`);
  print(`Check complete; found ${problems} problems.`);

  const report: CheckReport = {
    version: snap.version,
    clusterGUID: snap.cluster.guid,
    datastoreLocked: snap.cluster.locked,
    clusterInformationRevision: snap.cluster.revision,
    clusterType: snap.cluster.clusterType,
    allocations: Object.fromEntries(allocations),
    ...(leakedHandles.length > 0 ? { leakedHandles } : {}),
    ...(leakedAffinities.length > 0 ? { leakedAffinities } : {}),
  };
  return { lines, problems, report };
}

function formatPool(p: IpamPool): string {
  return `${formatIp(p.cidr.family, p.cidr.network)}/${p.cidr.prefixLength}`;
}

function attrStringOf(blocks: readonly AllocationBlock[], ip: string): string {
  for (const b of blocks) {
    const al = allocationsOf(b).find((a) => a.ip === ip);
    if (al !== undefined) return formatAttrs(al.attribute);
  }
  return '<missing>';
}

/** Upstream validateBlock: every allocation points at an attribute, every attribute is used, the FIFO is consistent. */
export function validateBlock(b: AllocationBlock, nowMs: number): string | null {
  const seenAttrs = new Set<number>();
  const seenOrdinals = new Set<number>();
  for (let o = 0; o < b.allocations.length; o++) {
    const idx = b.allocations[o];
    if (idx === null || idx === undefined) continue;
    if (idx < 0 || idx >= b.attributes.length) return `allocation ${o} indexes a nonexistent attribute ${idx}`;
    seenAttrs.add(idx);
    seenOrdinals.add(o);
  }
  for (let i = 0; i < b.attributes.length; i++) {
    if (!seenAttrs.has(i)) return `attribute index ${i} exists but is not indexed by an allocation`;
    const r = b.attributes[i]?.releasedAt;
    if (r !== undefined && Date.parse(r) > nowMs) return `attribute index ${i} has releasedAt in the future, suggesting clock skew`;
  }
  const seen = new Set<number>();
  for (const o of b.unallocated) {
    if (o < 0 || o >= b.allocations.length) return `ordinal ${o} appears in the Unallocated array but is out of the block`;
    if (seen.has(o)) return `ordinal ${o} appears more than once in Unallocated array`;
    if (seenOrdinals.has(o)) return `ordinal ${o} is allocated but appears in Unallocated`;
    seen.add(o);
  }
  const total = b.unallocated.length + seenOrdinals.size;
  if (total !== b.allocations.length) {
    return `expected ${b.allocations.length} addresses in this block, but Unallocated (${b.unallocated.length}) + Allocated (${seenOrdinals.size}) = ${total}`;
  }
  return null;
}
