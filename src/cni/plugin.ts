// The `calico` plugin's ADD (upstream plugin.go cmdAdd and k8s.go CmdAddK8s):
// addresses from the configured IPAM, the veth pair and routes, then the
// WorkloadEndpoint. Anything that fails after IPAM gives the addresses back
// and removes the veth, so a failed ADD leaves nothing behind.
import type { Datastore } from '../datastore/types.js';
import { ANNOTATION, annotation, floatingIpNats, floatingIps, noIpamAddresses } from './annotations.js';
import { checkDatastoreReady, context, withDatastore, type Context } from './context.js';
import { checkNetns, configurePodNetworking, createVethPair, removeHostVeth, type PodAddress, type VethSpec } from './dataplane.js';
import { execPlugin } from './delegate.js';
import { CniCode, CniError } from './errors.js';
import { hostVethName, podInfo, type PodInfo } from './identity.js';
import { ipamAdd, ipamDel } from './ipam-plugin.js';
import { determineMtu } from './netconf.js';
import { parseResult, printResult, type CniResult } from './result.js';
import type { CmdArgs } from './skel.js';
import { buildWorkloadEndpoint, ensureNetworkProfile, writeWorkloadEndpoint } from './workload.js';

const CALICO_IPAM = 'calico-ipam';

function jsonList(what: string, text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // Reported below.
  }
  throw new CniError(CniCode.invalidNetworkConfig, `error parsing ${what}: expected a JSON list of strings, got ${text}`);
}

/**
 * calico-ipam's request, with the pod's cni.projectcalico.org annotations
 * applied as upstream rewrites the IPAM stdin (pool and family choice).
 */
function ipamRequest(c: Context, pod: PodInfo, requestedIp?: string): Parameters<typeof ipamAdd>[1] {
  const a = pod.annotations;
  let ipv4Pools = c.conf.ipam.ipv4Pools;
  let ipv6Pools = c.conf.ipam.ipv6Pools;
  let assignIpv4 = c.conf.ipam.assignIpv4;
  let assignIpv6 = c.conf.ipam.assignIpv6;
  const v4 = a['cni.projectcalico.org/ipv4pools'];
  const v6 = a['cni.projectcalico.org/ipv6pools'];
  const families = a['cni.projectcalico.org/ipFamilies'];
  if (v4 !== undefined && v4 !== '') ipv4Pools = jsonList('cni.projectcalico.org/ipv4pools', v4);
  if (v6 !== undefined && v6 !== '') ipv6Pools = jsonList('cni.projectcalico.org/ipv6pools', v6);
  if (families !== undefined && families !== '') {
    const list = jsonList('cni.projectcalico.org/ipFamilies', families);
    for (const f of list) if (f !== 'IPv4' && f !== 'IPv6') throw new CniError(CniCode.invalidNetworkConfig, `error parsing ipFamilies: ${families}`);
    assignIpv4 = list.includes('IPv4');
    assignIpv6 = list.includes('IPv6');
  }
  return {
    conf: c.conf,
    ids: c.ids,
    ipv4Pools,
    ipv6Pools,
    assignIpv4,
    assignIpv6,
    ...(requestedIp === undefined ? {} : { requestedIp }),
    ...(pod.namespaceLabels === undefined ? {} : { namespaceLabels: pod.namespaceLabels }),
  };
}

/**
 * The pod's addresses with the annotations applied as upstream's switch does;
 * `fromIpam` is false when `ipAddrsNoIpam` bypassed IPAM (nothing to give back).
 */
async function runIpam(ds: Datastore, c: Context, args: CmdArgs, pod: PodInfo): Promise<{ result: CniResult; fromIpam: boolean }> {
  const ipAddrs = annotation(pod, ANNOTATION.ipAddrs);
  const noIpam = annotation(pod, ANNOTATION.ipAddrsNoIpam);
  if (noIpam !== undefined) {
    if (ipAddrs !== undefined) throw new CniError(CniCode.invalidNetworkConfig, "can't have both annotations: 'ipAddrs' and 'ipAddrsNoIpam' in use at the same time");
    if (c.conf.ipam.type !== CALICO_IPAM) throw new CniError(CniCode.invalidNetworkConfig, `ipAddrsNoIpam is not compatible with configured IPAM: ${c.conf.ipam.type}`);
    if (!c.conf.featureControl.ipAddrsNoIpam) throw new CniError(CniCode.invalidNetworkConfig, 'requested feature is not enabled: ip_addrs_no_ipam');
    const ips = noIpamAddresses(noIpam).map((a) => ({ address: `${a.ip}/${a.family === 4 ? 32 : 128}` }));
    return { result: { interfaces: [], ips, routes: [], dns: {} }, fromIpam: false };
  }
  return { result: await runConfiguredIpam(ds, c, args, pod, ipAddrs), fromIpam: true };
}

async function runConfiguredIpam(ds: Datastore, c: Context, args: CmdArgs, pod: PodInfo, ipAddrs: string | undefined): Promise<CniResult> {
  if (c.conf.ipam.type === CALICO_IPAM) {
    if (ipAddrs !== undefined) {
      const results = [];
      for (const ip of jsonList(ANNOTATION.ipAddrs, ipAddrs)) results.push(await ipamAdd(ds, ipamRequest(c, pod, ip)));
      return { interfaces: [], ips: results.flatMap((r) => r.ips), routes: results.flatMap((r) => r.routes), dns: {} };
    }
    const ip = c.cniArgs.get('IP');
    return ipamAdd(ds, ipamRequest(c, pod, ip === undefined || ip === '' ? undefined : ip));
  }
  if (ipAddrs !== undefined) throw new CniError(CniCode.invalidNetworkConfig, `ipAddrs is not compatible with configured IPAM: ${c.conf.ipam.type}`);
  if (c.conf.ipam.type === '') throw new CniError(CniCode.invalidNetworkConfig, 'invalid network config: "ipam.type" is required');
  return parseResult(await execPlugin(c.conf.ipam.type, 'ADD', args.stdin, args.env), `${c.conf.ipam.type} result`);
}

/** Gives back what runIpam took: in-process for calico-ipam, else the delegate's DEL. */
export async function releaseIpam(ds: Datastore, c: Context, args: CmdArgs): Promise<void> {
  if (c.conf.ipam.type === CALICO_IPAM) await ipamDel(ds, c.conf, c.ids);
  else if (c.conf.ipam.type !== '') await execPlugin(c.conf.ipam.type, 'DEL', args.stdin, args.env);
}

/** Routes inside the pod: host-local's custom routes, else (or also, with include_default_routes) the defaults. */
function containerRoutes(c: Context): string[] {
  const defaults = ['0.0.0.0/0', '::/0'];
  if (c.conf.ipam.type !== 'host-local' || c.conf.ipam.routes.length === 0) return defaults;
  return c.conf.includeDefaultRoutes ? [...defaults, ...c.conf.ipam.routes] : [...c.conf.ipam.routes];
}

/** The pod's metadata: passed by the runtime for Kubernetes pods with Kubernetes policy, else none. */
export function podOf(c: Context): PodInfo {
  return c.ids.orchestrator === 'k8s' && c.conf.policyType === 'k8s' ? podInfo(c.cniArgs, c.conf.raw['runtimeConfig']) : podInfo(new Map(), undefined);
}

export async function cmdAdd(args: CmdArgs): Promise<string> {
  const c = context(args);
  checkNetns(args.netns);
  if (c.ids.orchestrator !== 'k8s' && c.conf.featureControl.ipAddrsNoIpam) {
    throw new CniError(CniCode.invalidNetworkConfig, 'requested feature is not supported for this runtime: ip_addrs_no_ipam');
  }
  const mtu = determineMtu(c.conf);
  const pod = podOf(c);
  c.log.lap('ADD started');
  const veth = { netns: args.netns, ifName: args.ifName, hostVeth: hostVethName(c.ids, args.env), mtu, numQueues: c.conf.numQueues };
  // The pair needs no address: make it while the datastore and IPAM work.
  const pair = createVethPair(veth).then(
    (mac) => ({ mac }),
    (error: unknown) => ({ error }),
  );
  try {
    return await withDatastore(c.conf, args.env, (ds) => addWithDatastore(ds, c, args, pod, veth, pair, mtu));
  } catch (err) {
    // Whatever failed, the pair goes (created or not, it is awaited first).
    await pair;
    await removeHostVeth(veth.hostVeth).catch(() => undefined);
    throw err;
  }
}

async function addWithDatastore(
  ds: Datastore,
  c: Context,
  args: CmdArgs,
  pod: PodInfo,
  veth: VethSpec,
  pair: Promise<{ mac: string } | { error: unknown }>,
  mtu: number,
): Promise<string> {
  let assigned = false;
  try {
    c.log.lap('datastore open');
    await checkDatastoreReady(ds);
    // Checked before any address is taken: a refused annotation costs no IPAM round trip.
    const floating = floatingIps(c.conf, pod);
    const ipam = await runIpam(ds, c, args, pod);
    const ipamResult = ipam.result;
    assigned = ipam.fromIpam;
    c.log.lap('addresses assigned');
    if (ipamResult.ips.length === 0) throw new CniError(CniCode.internal, 'IPAM plugin returned no IP addresses in result');
    const addresses: PodAddress[] = ipamResult.ips.map((i) => {
      const ip = i.address.split('/')[0] ?? '';
      return { family: ip.includes(':') ? 6 : 4, ip };
    });
    c.log.info(`Calico CNI using IPs: [${addresses.map((a) => a.ip).join(' ')}] for ${c.ids.namespace}/${c.ids.pod || c.ids.containerId}`);
    const made = await pair;
    if ('error' in made) throw made.error;
    const mac = made.mac;
    await configurePodNetworking(veth, {
      addresses,
      routes: containerRoutes(c),
      allowIpForwarding: c.conf.allowIpForwarding,
      skipHostRoutes: c.conf.ipam.type === CALICO_IPAM && ipamResult.routes.length === 0,
    });
    c.log.lap('pod networking done');
    const ipNetworks = addresses.map((a) => `${a.ip}/${a.family === 4 ? 32 : 128}`);
    const ipNATs = floatingIpNats(floating, addresses);
    await writeWorkloadEndpoint(ds, buildWorkloadEndpoint({ ids: c.ids, conf: c.conf, pod, ipNetworks, ipNATs, interfaceName: veth.hostVeth, mac }));
    await ensureNetworkProfile(ds, c.conf, c.ids.orchestrator);
    c.log.lap('WorkloadEndpoint written');
    const result: CniResult = {
      interfaces: [{ name: veth.hostVeth }, { name: args.ifName, mac, ...(mtu > 0 ? { mtu } : {}), sandbox: args.netns }],
      ips: ipNetworks.map((address) => ({ address, interface: 1 })),
      routes: ipamResult.routes,
      dns: ipamResult.dns,
    };
    return printResult(result, args.cniVersion);
  } catch (err) {
    if (assigned) {
      c.log.error(`ADD failed, releasing its addresses: ${err instanceof Error ? err.message : String(err)}`);
      await releaseIpam(ds, c, args).catch((e: unknown) => c.log.error(`releasing addresses failed: ${String(e)}`));
    }
    throw err;
  }
}
