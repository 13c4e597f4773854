// The `calico` plugin's DEL, CHECK, STATUS and GC. DEL is best effort as the
// specification asks: a missing namespace, interface, endpoint or allocation
// is success, so it can be repeated and can follow an ADD that never finished.
import { checkDatastoreReady, context, openConfiguredDatastore, withDatastore } from './context.js';
import { cleanUpNamespace, containerState, hostLinkExists } from './dataplane.js';
import { execPlugin } from './delegate.js';
import { CniCode, CniError, toCniError } from './errors.js';
import { hostVethName } from './identity.js';
import { ipamCheck, ipamGc, ipamStatus, validAttachments } from './ipam-plugin.js';
import { determineNodename, parseNetConf, requireNodenameFile } from './netconf.js';
import { ANNOTATION, annotation } from './annotations.js';
import { podOf, releaseIpam } from './plugin.js';
import { parseResult } from './result.js';
import type { CmdArgs } from './skel.js';
import { deleteWorkloadEndpoint, wepKey } from './workload.js';

export async function cmdDel(args: CmdArgs): Promise<void> {
  const c = context(args);
  c.log.lap('DEL started');
  // Deleting a veth waits for the kernel (RCU grace periods): start it at once
  // and let the datastore work proceed meanwhile. Upstream cleans the
  // namespace whatever the endpoint says, so nothing here depends on it.
  const cleanup = cleanUpNamespace(args.netns, args.ifName).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  await withDatastore(c.conf, args.env, async (ds) => {
    c.log.lap('datastore open');
    await checkDatastoreReady(ds);
    let ipamError: unknown;
    if (c.ids.orchestrator === 'k8s') {
      const outcome = await deleteWorkloadEndpoint(ds, c.ids);
      if (outcome === 'kept') c.log.info('WorkloadEndpoint belongs to a newer container of this pod; leaving it');
      c.log.lap('WorkloadEndpoint deleted');
      await releaseIpam(ds, c, args).catch((e: unknown) => (ipamError = e));
    } else {
      // Other orchestrators: addresses first, then the endpoint.
      await releaseIpam(ds, c, args).catch((e: unknown) => (ipamError = e));
      await deleteWorkloadEndpoint(ds, c.ids);
    }
    c.log.lap('addresses released');
    const cleaned = await cleanup;
    c.log.lap('interface deleted');
    if (cleaned !== undefined) throw toCniError(cleaned.error);
    if (ipamError !== undefined) throw toCniError(ipamError);
  }).finally(() => cleanup);
}

/**
 * CHECK: the attachment the previous result describes is still in place —
 * endpoint, host interface, container interface with its MAC and addresses,
 * and the IPAM allocation. (Upstream Calico prints "OK" without checking.)
 */
export async function cmdCheck(args: CmdArgs): Promise<void> {
  const c = context(args);
  if (args.config['prevResult'] === undefined) throw new CniError(CniCode.invalidNetworkConfig, 'CHECK needs the prevResult of the ADD');
  const prev = parseResult(args.config['prevResult'], 'prevResult');
  await withDatastore(c.conf, args.env, async (ds) => {
    await checkDatastoreReady(ds);
    const wep = await ds.get(wepKey(c.ids));
    if (wep === undefined) throw new CniError(CniCode.internal, `WorkloadEndpoint ${wepKey(c.ids).name} does not exist`);
    const spec = (wep.spec ?? {}) as { containerID?: string; interfaceName?: string; mac?: string };
    if (spec.containerID !== c.ids.containerId) {
      throw new CniError(CniCode.internal, `WorkloadEndpoint ${wep.metadata.name} belongs to container ${spec.containerID ?? ''}`);
    }
    const hostVeth = spec.interfaceName ?? hostVethName(c.ids, args.env);
    if (!hostLinkExists(hostVeth)) throw new CniError(CniCode.internal, `host interface ${hostVeth} does not exist`);
    const state = await containerState(args.netns, args.ifName);
    if (state === undefined) throw new CniError(CniCode.internal, `interface ${args.ifName} does not exist in ${args.netns}`);
    const ours = prev.interfaces.find((i) => i.name === args.ifName && i.sandbox === args.netns);
    if (ours?.mac !== undefined && ours.mac !== state.mac) {
      throw new CniError(CniCode.internal, `interface ${args.ifName} has MAC ${state.mac ?? 'none'}, expected ${ours.mac}`);
    }
    for (const ip of prev.ips) {
      if (ip.interface !== undefined && prev.interfaces[ip.interface]?.name !== args.ifName) continue;
      if (!state.addresses.includes(ip.address)) throw new CniError(CniCode.internal, `address ${ip.address} is missing from ${args.ifName}`);
    }
    // Addresses given by ipAddrsNoIpam were never IPAM's to hold.
    if (annotation(podOf(c), ANNOTATION.ipAddrsNoIpam) !== undefined) return;
    if (c.conf.ipam.type === 'calico-ipam') await ipamCheck(ds, c.conf, c.ids, prev);
    else if (c.conf.ipam.type !== '') await execPlugin(c.conf.ipam.type, 'CHECK', args.stdin, args.env);
  });
}

/** STATUS: ready when the datastore answers, Calico is ready, and IPAM can serve an ADD. */
export async function cmdStatus(args: CmdArgs): Promise<void> {
  const conf = parseNetConf(args.config);
  try {
    requireNodenameFile(conf);
    const ds = await openConfiguredDatastore(conf, args.env);
    try {
      await checkDatastoreReady(ds);
      if (conf.ipam.type === 'calico-ipam') await ipamStatus(ds);
    } finally {
      await ds.close().catch(() => undefined);
    }
  } catch (err) {
    const e = toCniError(err);
    throw new CniError(e.code === CniCode.pluginNotAvailable ? e.code : CniCode.pluginNotAvailable, e.message, e.details);
  }
  if (conf.ipam.type !== 'calico-ipam' && conf.ipam.type !== '') await execPlugin(conf.ipam.type, 'STATUS', args.stdin, args.env);
}

/**
 * GC: endpoints of this node whose container is not among the valid
 * attachments are deleted, then IPAM releases their addresses. Errors are
 * collected and reported together after doing as much as possible.
 */
export async function cmdGc(args: CmdArgs): Promise<void> {
  const conf = parseNetConf(args.config);
  const valid = validAttachments(args.config);
  const node = determineNodename(conf);
  const errors: string[] = [];
  await withDatastore(conf, args.env, async (ds) => {
    await checkDatastoreReady(ds);
    const keep = new Set(valid.map((a) => `${a.containerID}/${a.ifname}`));
    const { items } = await ds.list({ kind: 'WorkloadEndpoint' });
    for (const wep of items) {
      const s = (wep.spec ?? {}) as { node?: string; containerID?: string; endpoint?: string; orchestrator?: string };
      if (s.node !== node || (s.orchestrator !== 'k8s' && s.orchestrator !== 'cni') || s.containerID === undefined) continue;
      if (keep.has(`${s.containerID}/${s.endpoint ?? ''}`)) continue;
      await ds
        .delete({ kind: 'WorkloadEndpoint', namespace: wep.metadata.namespace ?? '', name: wep.metadata.name }, wep.metadata.resourceVersion)
        .catch((e: unknown) => errors.push(`${wep.metadata.name}: ${String(e)}`));
    }
    if (conf.ipam.type === 'calico-ipam') errors.push(...(await ipamGc(ds, conf, node, valid)));
  });
  if (conf.ipam.type !== 'calico-ipam' && conf.ipam.type !== '') {
    await execPlugin(conf.ipam.type, 'GC', args.stdin, args.env).catch((e: unknown) => errors.push(String(e)));
  }
  if (errors.length > 0) throw new CniError(CniCode.internal, `GC could not clean up everything: ${errors.join('; ')}`);
}
