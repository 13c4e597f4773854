// calico-ipam (cni-plugin/pkg/ipamplugin): addresses from Calico IPAM under
// the handle `<network>.<containerID>`. The `calico` plugin calls these
// functions in-process when its ipam type is calico-ipam (the same code the
// calico-ipam binary runs, without a second process start); the binary wraps
// them in the CNI protocol.
import { cidrContainsIp, parseCidr, parseIp } from '../api/net.js';
import { CalicoError } from '../api/errors.js';
import type { Datastore } from '../datastore/types.js';
import type { IpamClient } from '../ipam/index.js';
import { CniCode, CniError, toCniError } from './errors.js';
import { handleId, type Labels, type WepIdentifiers } from './identity.js';
import type { NetConf } from './netconf.js';
import type { CniResult } from './result.js';

export interface IpamRequest {
  readonly conf: NetConf;
  readonly ids: WepIdentifiers;
  /** `IP=` of CNI_ARGS: one specific address. */
  readonly requestedIp?: string;
  readonly ipv4Pools: readonly string[];
  readonly ipv6Pools: readonly string[];
  readonly assignIpv4: boolean;
  readonly assignIpv6: boolean;
  readonly namespaceLabels?: Labels;
}

export async function ipamClient(ds: Datastore): Promise<IpamClient> {
  const { IpamClient } = await import('../ipam/index.js');
  return new IpamClient(ds);
}

/** Go's time.Time.String() in UTC, as upstream writes the `timestamp` attribute. */
export function goTimestamp(d: Date): string {
  const iso = d.toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac === '' ? '' : `.${frac}`} +0000 UTC`;
}

/** Pool names or CIDRs to CIDRs of the right family (upstream ResolvePools). */
async function resolvePools(ds: Datastore, pools: readonly string[], family: 4 | 6): Promise<string[]> {
  const out: string[] = [];
  for (const p of pools) {
    let cidr = p;
    if (parseCidr(p) === null) {
      const pool = await ds.get({ kind: 'IPPool', name: p });
      const c = (pool?.spec as { cidr?: unknown } | undefined)?.cidr;
      if (typeof c !== 'string') throw new CniError(CniCode.invalidNetworkConfig, `error parsing pool "${p}": no IPPool of that name and not a CIDR`);
      cidr = c;
    }
    const parsed = parseCidr(cidr);
    if (parsed === null || parsed.family !== family) throw new CniError(CniCode.invalidNetworkConfig, `"${p}" isn't a IPv${family} address`);
    out.push(cidr);
  }
  return out;
}

/** The addresses a handle already holds, with their block's prefix length. */
async function heldAddresses(ipam: IpamClient, handle: string): Promise<string[]> {
  const h = await ipam.store.getHandle(handle);
  if (h === undefined) return [];
  const blocks = Object.keys(h.value.block).map((c) => parseCidr(c)).filter((c) => c !== null);
  const out: string[] = [];
  for (const ip of await ipam.ipsByHandle(handle)) {
    const p = parseIp(ip);
    const block = p === null ? undefined : blocks.find((b) => cidrContainsIp(b, p));
    out.push(`${ip}/${block?.prefixLength ?? (ip.includes(':') ? 128 : 32)}`);
  }
  return out;
}

/**
 * ADD. A container that already holds addresses under its handle gets the
 * same ones back (a repeated ADD must not allocate twice).
 */
export async function ipamAdd(ds: Datastore, req: IpamRequest): Promise<CniResult> {
  const ipam = await ipamClient(ds);
  const handle = handleId(req.conf.name, req.ids.containerId);
  const attrs: Record<string, string> = { node: req.ids.node, timestamp: goTimestamp(new Date()) };
  if (req.ids.orchestrator === 'k8s') {
    attrs['namespace'] = req.ids.namespace;
    attrs['pod'] = req.ids.pod;
  }
  const held = await heldAddresses(ipam, handle);
  let addresses: string[];
  if (req.requestedIp !== undefined) {
    const ip = parseIp(req.requestedIp);
    if (ip === null) throw new CniError(CniCode.invalidEnvironment, `CNI_ARGS: IP="${req.requestedIp}" is not an IP address`);
    const prefix = ip.family === 4 ? 32 : 128;
    const already = held.find((h) => parseIp(h.slice(0, h.indexOf('/')))?.value === ip.value);
    if (already === undefined) {
      try {
        await ipam.assignIp({ ip: req.requestedIp, handleId: handle, attrs, hostname: req.ids.node, intendedUse: 'Workload' });
      } catch (err) {
        throw toCniError(err, `failed to assign ${req.requestedIp}`);
      }
    }
    addresses = [`${req.requestedIp}/${prefix}`];
  } else {
    const has = (f: 4 | 6): string | undefined => held.find((h) => h.includes(':') === (f === 6));
    const v4 = req.assignIpv4 ? has(4) : undefined;
    const v6 = req.assignIpv6 ? has(6) : undefined;
    const num4 = req.assignIpv4 && v4 === undefined ? 1 : 0;
    const num6 = req.assignIpv6 && v6 === undefined ? 1 : 0;
    let got = { v4: [] as string[], v6: [] as string[] };
    if (num4 + num6 > 0) {
      const ipv4Pools = await resolvePools(ds, req.ipv4Pools, 4);
      const ipv6Pools = await resolvePools(ds, req.ipv6Pools, 6);
      let out;
      try {
        out = await ipam.autoAssign({
          num4,
          num6,
          handleId: handle,
          attrs,
          hostname: req.ids.node,
          ipv4Pools,
          ipv6Pools,
          intendedUse: 'Workload',
          ...(req.namespaceLabels === undefined ? {} : { namespaceLabels: req.namespaceLabels }),
        });
      } catch (err) {
        await ipam.releaseByHandle(handle).catch(() => 0);
        throw exhaustedOrOther(err);
      }
      got = { v4: out.ipv4.ips, v6: out.ipv6.ips };
      const { partialFulfillmentError } = await import('../ipam/index.js');
      for (const [family, a, n] of [[4, out.ipv4, num4], [6, out.ipv6, num6]] as const) {
        const e = n > 0 ? partialFulfillmentError(a) : null;
        if (e !== null) {
          // Dual stack is all or nothing: give back what the other family got.
          await ipam.releaseByHandle(handle).catch(() => 0);
          throw new CniError(CniCode.tryAgainLater, `failed to request IPv${family} addresses: ${e.message}`);
        }
      }
    }
    addresses = [...(v4 !== undefined ? [v4] : got.v4), ...(v6 !== undefined ? [v6] : got.v6)];
  }
  if (addresses.length === 0) throw new CniError(CniCode.invalidNetworkConfig, 'IPAM plugin did not return any IP addresses: both assign_ipv4 and assign_ipv6 are off');
  return { interfaces: [], ips: addresses.map((address) => ({ address })), routes: addresses.map((dst) => ({ dst })), dns: {} };
}

/** No pool or no address left: the runtime may retry once addresses are freed. */
function exhaustedOrOther(err: unknown): CniError {
  if (err instanceof CalicoError && err.code === 'exhausted') return new CniError(CniCode.tryAgainLater, `failed to request IP addresses: ${err.message}`);
  return toCniError(err, 'failed to request IP addresses');
}

/** DEL: release by handle, then by the legacy workload handle; absent handles are fine. */
export async function ipamDel(ds: Datastore, conf: NetConf, ids: WepIdentifiers): Promise<void> {
  const ipam = await ipamClient(ds);
  const legacy = ids.orchestrator === 'k8s' ? `${ids.namespace}.${ids.pod}` : ids.containerId;
  for (const h of [handleId(conf.name, ids.containerId), legacy]) {
    try {
      await ipam.releaseByHandle(h);
    } catch (err) {
      if (err instanceof CalicoError && err.code === 'not-found') continue;
      throw toCniError(err, `failed to release addresses of handle ${h}`);
    }
  }
}

/** CHECK: every address of the previous result is still allocated to this container. */
export async function ipamCheck(ds: Datastore, conf: NetConf, ids: WepIdentifiers, prev: CniResult): Promise<void> {
  const ipam = await ipamClient(ds);
  const handle = handleId(conf.name, ids.containerId);
  const held = new Set((await ipam.ipsByHandle(handle).catch(() => [])).map((ip) => parseIp(ip)?.value));
  for (const a of prev.ips) {
    const ip = parseIp(a.address.split('/')[0] ?? '');
    if (ip !== null && !held.has(ip.value)) {
      throw new CniError(CniCode.internal, `address ${a.address} is no longer allocated to handle ${handle}`);
    }
  }
}

export interface Attachment {
  readonly containerID: string;
  readonly ifname: string;
}

export function validAttachments(config: Readonly<Record<string, unknown>>): Attachment[] {
  const raw = config['cni.dev/valid-attachments'] ?? config['cni.dev/attachments'];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new CniError(CniCode.decodingFailure, '"cni.dev/valid-attachments" must be a list');
  return raw.map((a: unknown) => {
    const o = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    if (typeof o['containerID'] !== 'string') throw new CniError(CniCode.decodingFailure, 'each valid attachment needs a "containerID" string');
    return { containerID: o['containerID'], ifname: typeof o['ifname'] === 'string' ? o['ifname'] : '' };
  });
}

/** GC: releases this node's handles of this network whose container is not a valid attachment. */
export async function ipamGc(ds: Datastore, conf: NetConf, node: string, valid: readonly Attachment[]): Promise<string[]> {
  const ipam = await ipamClient(ds);
  const keep = new Set(valid.map((a) => handleId(conf.name, a.containerID)));
  const errors: string[] = [];
  for (const h of await ipam.store.listHandles()) {
    if (!h.id.startsWith(`${conf.name}.`) || keep.has(h.id)) continue;
    try {
      const ips = await ipam.ipsByHandle(h.id);
      const first = ips[0];
      if (first !== undefined && (await ipam.getAssignmentAttributes(first)).secondary?.['node'] !== node) continue;
      await ipam.releaseByHandle(h.id);
    } catch (err) {
      if (err instanceof CalicoError && err.code === 'not-found') continue;
      errors.push(`${h.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return errors;
}

/** STATUS: IPAM can serve an ADD when an enabled pool for workloads exists. */
export async function ipamStatus(ds: Datastore): Promise<void> {
  const { items } = await ds.list({ kind: 'IPPool' });
  const usable = items.some((p) => {
    const s = (p.spec ?? {}) as { disabled?: boolean; allowedUses?: string[] };
    return s.disabled !== true && (s.allowedUses === undefined || s.allowedUses.includes('Workload'));
  });
  if (!usable) throw new CniError(CniCode.pluginNotAvailable, 'no enabled IP pool allows workload addresses: calico-ipam cannot serve ADD');
}
