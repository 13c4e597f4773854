// What each `calicoctl ipam` subcommand does, with the output upstream
// calicoctl prints; the commander wiring lives in src/ctl/commands/ipam.ts.
// Every function takes an open Datastore and a writer for stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { CalicoError } from '../api/errors.js';
import { CALICO_API_VERSION } from '../api/meta.js';
import { canonicalIp, cidrSize, formatCidr, parseCidr, type IpAddress } from '../api/net.js';
import type { Datastore } from '../datastore/types.js';
import { allocationsOf } from './block.js';
import { checkIpam, type CheckReport, type ClusterInfo } from './check.js';
import { IpamClient } from './index.js';
import { affinityString, type AffinityType, type IpamConfig } from './model.js';
import { renderTable } from './table.js';
import { g5, utilization, withPercentage } from './utilization.js';

export type Out = (text: string) => void;

export async function showUtilization(ds: Datastore, out: Out, showBlocks: boolean): Promise<void> {
  const ipam = new IpamClient(ds);
  const usage = utilization(
    await ipam.store.pools(),
    (await ipam.store.listBlocks()).map((b) => b.value),
    await ipam.store.reservedCidrs(),
  );
  const row = (kind: string, u: { cidr: string; capacity: number; inUse: number; reserved: number; available: number }) => [
    kind,
    u.cidr,
    g5(u.capacity),
    withPercentage(u.inUse, u.capacity),
    withPercentage(u.reserved, u.capacity),
    withPercentage(u.available, u.capacity),
  ];
  const rows: string[][] = [];
  for (const p of usage) {
    if (p.isPool) rows.push(row('IP Pool', p));
    if (showBlocks) for (const b of p.blocks) rows.push(row('Block', b));
  }
  const right = { alignRight: true };
  out(
    renderTable(
      [{ header: 'GROUPING' }, { header: 'CIDR' }, { header: 'IPS TOTAL', ...right }, { header: 'IPS IN USE', ...right }, { header: 'IPS RESERVED', ...right }, { header: 'IPS FREE', ...right }],
      rows,
    ),
  );
}

export async function showIp(ds: Datastore, out: Out, ipText: string): Promise<void> {
  const ip = canonicalIp(ipText);
  if (ip === null) throw new CalicoError('invalid-value', `invalid IP address specified: ${ipText}`);
  let attrs;
  try {
    attrs = await new IpamClient(ds).getAssignmentAttributes(ip);
  } catch (err) {
    if (err instanceof CalicoError && err.code === 'not-found') {
      out(`${ip} is not assigned\n`);
      return;
    }
    throw err;
  }
  out(`IP ${ip} is in use\n`);
  out(attrs.handle_id === undefined ? 'Handle ID: <none>\n' : `Handle ID: ${attrs.handle_id}\n`);
  const section = (title: string, m: Readonly<Record<string, string>> | undefined) =>
    m === undefined || Object.keys(m).length === 0
      ? ''
      : `${title}:\n${Object.keys(m)
          .sort()
          .map((k) => `  ${k}: ${m[k] ?? ''}\n`)
          .join('')}`;
  const active = section('Active Owner Attributes', attrs.secondary);
  out(active === '' ? 'No Active Owner attributes defined\n' : active);
  out(section('Alternate Owner Attributes', attrs.alternateOwnerAttrs));
}

export async function showBorrowed(ds: Datastore, out: Out): Promise<void> {
  const ipam = new IpamClient(ds);
  const rows: string[][] = [];
  let unclassified = 0;
  for (const { value: b } of await ipam.store.listBlocks()) {
    const owner = b.affinity === null ? '' : (b.affinity.split(':')[1] ?? b.affinity);
    for (const a of allocationsOf(b)) {
      const s = a.attribute.secondary ?? {};
      const node = s.node;
      if (node === undefined) {
        unclassified++;
        continue;
      }
      if (node === owner) continue;
      const ns = s.namespace ?? '';
      let type = '';
      let to = '';
      if (s['vmi-name'] !== undefined) [type, to] = ['vmi', `${ns}/${s['vmi-name']}`];
      else if (s.pod !== undefined) [type, to] = ['pod', `${ns}/${s.pod}`];
      else if (s.type !== undefined) type = s.type;
      rows.push([a.ip, node, b.cidr, owner, type, to]);
    }
  }
  out(renderTable(['IP', 'BORROWING-NODE', 'BLOCK', 'BLOCK OWNER', 'TYPE', 'ALLOCATED-TO'].map((header) => ({ header })), rows));
  if (unclassified !== 0) {
    out(`\nNote: found ${unclassified} IP allocations without an explicit node association. Unable to determine if they are borrowed.\n`);
  }
}

/** Go's `%#v` of each IPAMConfig field, as `ipam show --show-configuration` prints them. */
export async function showConfiguration(ds: Datastore, out: Out): Promise<void> {
  const c: IpamConfig = await new IpamClient(ds).getConfig();
  const rows = [
    ['StrictAffinity', String(c.strictAffinity)],
    ['AutoAllocateBlocks', String(c.autoAllocateBlocks)],
    ['MaxBlocksPerHost', String(c.maxBlocksPerHost)],
    ['KubeVirtVMAddressPersistence', `"${c.kubeVirtVMAddressPersistence}"`],
    ['IPCooldownSeconds', String(c.ipCooldownSeconds)],
  ];
  out(renderTable([{ header: 'PROPERTY' }, { header: 'VALUE' }], rows));
}

export async function clusterInfo(ds: Datastore): Promise<ClusterInfo> {
  const r = await ds.get({ kind: 'ClusterInformation', name: 'default' });
  const spec = (r?.spec ?? {}) as { clusterGUID?: string; clusterType?: string; datastoreReady?: boolean };
  return {
    guid: spec.clusterGUID ?? '',
    revision: r?.metadata.resourceVersion ?? '',
    locked: spec.datastoreReady === false,
    clusterType: spec.clusterType ?? '',
  };
}

export interface CheckFlags {
  readonly showAllIps: boolean;
  readonly showProblemIps: boolean;
  readonly output?: string;
  readonly version: string;
}

export async function check(ds: Datastore, out: Out, flags: CheckFlags): Promise<number> {
  const ipam = new IpamClient(ds);
  const [cluster, blocks, handles, pools, affinities, nodes, weps] = await Promise.all([
    clusterInfo(ds),
    ipam.store.listBlocks(),
    ipam.store.listHandles(),
    ipam.store.pools(),
    ipam.store.listAffinities(),
    ds.list({ kind: 'Node' }),
    ds.list({ kind: 'WorkloadEndpoint' }),
  ]);
  const result = checkIpam(
    {
      blocks: blocks.map((b) => b.value),
      handles: handles.map((h) => ({ ID: h.id, UID: null, Revision: h.revision })),
      pools,
      affinities: affinities.map((a) => ({ type: a.type, host: a.host, cidr: a.cidr, state: a.value.state, revision: a.revision })),
      nodes: nodes.items.map((n) => ({ name: n.metadata.name, spec: n.spec })),
      workloads: weps.items.map((w) => ({
        namespace: w.metadata.namespace ?? '',
        name: w.metadata.name,
        ipNetworks: stringList((w.spec as { ipNetworks?: unknown } | undefined)?.ipNetworks),
      })),
      cluster,
      version: flags.version,
    },
    { showAllIps: flags.showAllIps, showProblemIps: flags.showAllIps || flags.showProblemIps },
  );
  out(`${result.lines.join('\n')}\n`);
  if (flags.output !== undefined && flags.output !== '') writeFileSync(flags.output, JSON.stringify(result.report, null, 2), { mode: 0o777 });
  return result.problems;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export async function releaseIp(ds: Datastore, out: Out, ipText: string): Promise<void> {
  const ip = canonicalIp(ipText);
  if (ip === null) throw new CalicoError('invalid-value', `invalid IP address specified: ${ipText}`);
  const r = await new IpamClient(ds).releaseIps([{ address: ip }]);
  if (r.unallocated.length !== 0) throw new CalicoError('not-found', `IP address ${ip} is not assigned`);
  out(`Successfully released IP address ${ip}\n`);
}

export async function releaseFromReports(ds: Datastore, out: Out, files: readonly string[], force: boolean, version: string): Promise<void> {
  const cluster = await clusterInfo(ds);
  let foundCurrent = false;
  const reports: CheckReport[] = [];
  for (const f of files) {
    const r = JSON.parse(readFileSync(f, 'utf8')) as CheckReport;
    if (r.clusterGUID !== cluster.guid) {
      throw new CalicoError('conflict', `cluster does not match the provided report (${f}): mismatched cluster GUID. Refusing to release`);
    }
    if (r.version !== version) {
      if (!force) throw new CalicoError('conflict', `the provided report (${f}) was produced using a different version (${r.version}) of calicoctl. Refusing to release`);
      out('WARNING: Report was produced using a different version of calicoctl. Ignoring due to --force option\n');
    }
    if (r.clusterInformationRevision === cluster.revision) foundCurrent = true;
    reports.push(r);
  }
  if (!foundCurrent) {
    throw new CalicoError(
      'conflict',
      'the provided reports are all stale - at least one should be up-to-date. Please generate a new report while the data store is locked and try again',
    );
  }
  if (!cluster.locked) {
    if (!force) throw new CalicoError('conflict', 'data store is not locked. Either lock the data store, or re-run with --force');
    out('WARNING: Data store is not locked. Ignoring due to --force option\n');
  }
  // Only what every report agrees on is released.
  let ips: Map<string, { address: IpAddress; handle?: string; sequenceNumber?: number }> | undefined;
  let handles: Map<string, { ID: string; Revision: string }> | undefined;
  let affinities: Map<string, { type: AffinityType; host: string; cidr: string; revision: string }> | undefined;
  for (const r of reports) {
    const nextIps = new Map<string, { address: IpAddress; handle?: string; sequenceNumber?: number }>();
    for (const allocs of Object.values(r.allocations)) {
      for (const a of allocs) {
        if (a.inUse || a.coolingDown === true) continue;
        if (ips !== undefined && !ips.has(a.ip)) continue;
        nextIps.set(a.ip, {
          address: a.ip as IpAddress,
          ...(a.handle === undefined ? {} : { handle: a.handle }),
          ...(a.sequenceNumber === undefined ? {} : { sequenceNumber: a.sequenceNumber }),
        });
      }
    }
    ips = nextIps;
    const nextHandles = new Map<string, { ID: string; Revision: string }>();
    for (const h of r.leakedHandles ?? []) if (handles === undefined || handles.get(h.ID)?.Revision === h.Revision) nextHandles.set(h.ID, h);
    handles = nextHandles;
    const nextAff = new Map<string, { type: AffinityType; host: string; cidr: string; revision: string }>();
    for (const a of r.leakedAffinities ?? []) {
      const type = a.type ?? 'host';
      const k = `${type}:${a.host}/${a.cidr}`;
      if (affinities === undefined || affinities.get(k)?.revision === a.revision) nextAff.set(k, { ...a, type });
    }
    affinities = nextAff;
  }
  const ipam = new IpamClient(ds);
  const toRelease = [...(ips ?? new Map()).values()];
  if (toRelease.length > 0) {
    out(`Releasing ${toRelease.length} old IPs...\n`);
    try {
      const r = await ipam.releaseIps(toRelease);
      out(`Released ${toRelease.length - r.unallocated.length} IPs successfully\n`);
      if (r.unallocated.length !== 0) out(`${r.unallocated.length} addresses marked as leaked in the report had already been cleaned up.\n`);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      out(
        `An error occurred while releasing some IPs: ${why}.  Problems are often caused by an out-of-date IPAM report.  Try regenerating the IPAM report and retry.\n`,
      );
    }
  } else {
    out("Report didn't contain any leaked IPs to clean up.\n");
  }
  const hs = [...(handles ?? new Map()).values()];
  if (hs.length > 0) {
    out(`Deleting ${hs.length} handles...\n`);
    out("Key: '.' = Deleted OK; 'x' = skip, handle missing/changed.\n");
    let ok = 0;
    let skipped = 0;
    let errors = 0;
    for (const h of hs) {
      const r = await ipam.store.deleteHandle(h.ID, h.Revision).catch((err: unknown) => err);
      if (r === 'conflict' || r === 'missing') {
        skipped++;
        out('x');
      } else if (r instanceof Error) {
        errors++;
        out(`\nDeleting handle ${h.ID} failed: ${r.message}.\n`);
      } else {
        ok++;
        out('.');
      }
    }
    out(`\nReleased ${ok} handles; ${skipped} skipped; ${errors} errors.\n`);
  } else {
    out("Report didn't contain any handles to clean up.\n");
  }
  for (const a of (affinities ?? new Map()).values()) {
    const r = await ipam.store.deleteAffinity({ ...a, value: { state: '', deleted: false } });
    const who = a.type === 'host' ? a.host : affinityString(a);
    out(typeof r === 'string' ? `Skipped block affinity of ${who} for ${a.cidr}: it changed since the report.\n` : `Deleted block affinity of ${who} for ${a.cidr}.\n`);
  }
}

export interface ConfigureFlags {
  readonly strictAffinity?: string;
  readonly maxBlocksPerHost?: string;
  readonly kubevirtIpPersistence?: string;
  readonly ipCooldownSeconds: number;
}

export async function configure(ds: Datastore, out: Out, f: ConfigureFlags): Promise<void> {
  let strict: boolean | undefined;
  if (f.strictAffinity !== undefined && f.strictAffinity !== '') {
    const v = parseGoBool(f.strictAffinity);
    if (v === undefined) throw new CalicoError('invalid-value', 'invalid value. Use true or false to set strictaffinity');
    strict = v;
  }
  let maxBlocks: number | undefined;
  if (f.maxBlocksPerHost !== undefined && f.maxBlocksPerHost !== '') {
    if (!/^[+-]?\d+$/.test(f.maxBlocksPerHost)) throw new CalicoError('invalid-value', 'invalid value for maxblockhost. Use a valid number');
    maxBlocks = Number(f.maxBlocksPerHost);
  }
  let persistence: 'Enabled' | 'Disabled' | undefined;
  if (f.kubevirtIpPersistence !== undefined && f.kubevirtIpPersistence !== '') {
    if (f.kubevirtIpPersistence !== 'Enabled' && f.kubevirtIpPersistence !== 'Disabled') {
      throw new CalicoError('invalid-value', 'invalid value for --kubevirt-ip-persistence. Use Enabled or Disabled');
    }
    persistence = f.kubevirtIpPersistence;
  }
  const cooldown = f.ipCooldownSeconds >= 0 ? f.ipCooldownSeconds : undefined;
  if (strict === undefined && maxBlocks === undefined && persistence === undefined && cooldown === undefined) {
    throw new CalicoError('invalid-value', 'at least one configuration option must be specified');
  }
  try {
    await new IpamClient(ds).updateConfig((c) => ({
      ...c,
      ...(strict === undefined ? {} : { strictAffinity: strict }),
      ...(maxBlocks === undefined ? {} : { maxBlocksPerHost: maxBlocks }),
      ...(persistence === undefined ? {} : { kubeVirtVMAddressPersistence: persistence }),
      ...(cooldown === undefined ? {} : { ipCooldownSeconds: cooldown }),
    }));
  } catch (err) {
    if (err instanceof CalicoError) throw new CalicoError(err.code, `error: ${err.message}`);
    throw err;
  }
  if (strict !== undefined) out(`Successfully set StrictAffinity to: ${strict}\n`);
  if (maxBlocks !== undefined) out(`Successfully set MaxBlocksPerHost to: ${maxBlocks}\n`);
  if (persistence !== undefined) out(`Successfully set KubeVirtVMAddressPersistence to: ${persistence}\n`);
  if (cooldown !== undefined) out(`Successfully set IPCooldownSeconds to: ${cooldown}\n`);
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Splits a pool into 2^k pools named `split-<name>-<i>`; the datastore must be locked. */
export async function split(ds: Datastore, out: Out, parts: number, cidr: string, name: string): Promise<void> {
  if (cidr === '' && name === '') throw new CalicoError('required', 'no name or CIDR provided. Provide a name or CIDR to denote the IP pool to split');
  if (!(await clusterInfo(ds)).locked) {
    throw new CalicoError('conflict', 'datastore is not locked. Run the `calicoctl datastore migrate lock` command in order split the IP pools');
  }
  let old;
  if (name !== '') {
    old = await ds.get({ kind: 'IPPool', name });
    if (old === undefined) throw new CalicoError('not-found', `unable to find IP pool with name ${name}: resource does not exist: IPPool(${name})`);
  } else {
    old = (await ds.list({ kind: 'IPPool' })).items.filter((p) => (p.spec as { cidr?: string }).cidr === cidr).pop();
  }
  if (old === undefined) throw new CalicoError('not-found', `unable to find IP pool ${name} covering the specified CIDR ${cidr}`);
  const spec = (old.spec ?? {}) as Record<string, unknown> & { cidr?: string };
  const oldCidr = spec.cidr ?? '';
  const disabled = await ds.update({ ...old, spec: { ...spec, disabled: true } });
  const power = Math.log2(parts);
  if (!Number.isFinite(power) || power === 0 || Math.trunc(power) !== power) {
    throw new CalicoError('invalid-value', `error splitting the CIDR ${oldCidr} into ${parts} CIDRs: number to split CIDR into is not a valid power of 2: ${parts}`);
  }
  const parsed = parseCidr(oldCidr);
  if (parsed === null) throw new CalicoError('invalid-value', `error splitting the CIDR ${oldCidr} into ${parts} CIDRs: error reading CIDR ${oldCidr} before attempting to split it`);
  const bits = parsed.family === 4 ? 32 : 128;
  if (power + parsed.prefixLength > bits) {
    throw new CalicoError('invalid-value', `error splitting the CIDR ${oldCidr} into ${parts} CIDRs: the CIDR ${oldCidr} is not large enough to be split into ${parts} parts`);
  }
  const child = { ...parsed, prefixLength: parsed.prefixLength + power };
  const created: { name: string; cidr: string }[] = [];
  for (let i = 0; i < parts; i++) {
    const c = formatCidr({ ...child, network: parsed.network + BigInt(i) * cidrSize(child) });
    const base = old.metadata.name.length + 8 > 253 ? old.metadata.name.slice(0, 245) : old.metadata.name;
    const newName = `split-${base}-${i}`;
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, generation: _g, generateName: _gn, ...meta } = old.metadata;
    await ds.create({ apiVersion: CALICO_API_VERSION, kind: 'IPPool', metadata: { ...meta, name: newName }, spec: { ...spec, cidr: c, disabled: false } });
    created.push({ name: newName, cidr: c });
  }
  // Affinities stay: the blocks now sit inside the new pools.
  await ds.delete({ kind: 'IPPool', name: old.metadata.name }, disabled.metadata.resourceVersion);
  out(`IP Pool ${old.metadata.name} was successfully split into ${parts} smaller pools.`);
  for (const c of created) out(`Created ${c.name} with CIDR ${c.cidr}.\n`);
  out('Please refer to the documentation for final steps.');
}
