// The pod annotations that take addresses out of IPAM's hands or add floating
// IPs (upstream k8s.go: overrideIPAMResult, validateAndExtractIPs,
// parseIPAddrs and the floatingIPs block of CmdAddK8s), with upstream's
// messages. Pure: the caller decides what to do with the addresses.
import { canonicalIp, parseIp } from '../api/net.js';
import type { IPNAT } from '../api/policy-types.js';
import type { PodAddress } from './dataplane.js';
import { CniCode, CniError } from './errors.js';
import type { PodInfo } from './identity.js';
import type { NetConf } from './netconf.js';

export const ANNOTATION = {
  ipAddrs: 'cni.projectcalico.org/ipAddrs',
  ipAddrsNoIpam: 'cni.projectcalico.org/ipAddrsNoIpam',
  floatingIps: 'cni.projectcalico.org/floatingIPs',
} as const;

const invalid = (msg: string): CniError => new CniError(CniCode.invalidNetworkConfig, msg);

/** An annotation as upstream reads it: an empty value is no annotation. */
export function annotation(pod: PodInfo, name: string): string | undefined {
  const v = pod.annotations[name];
  return v === undefined || v === '' ? undefined : v;
}

/** parseIPAddrs: a JSON list of strings, not yet checked to be addresses. */
function parseIpList(text: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw invalid(`failed to parse '${text}' as JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid(`failed to parse '${text}' as JSON: expected a list of strings`);
  return v;
}

/**
 * validateAndExtractIPs for `ipAddrsNoIpam`: at most one address per family,
 * as the CNI result holds one of each. The addresses are the pod's as given.
 */
export function noIpamAddresses(text: string): PodAddress[] {
  const name = ANNOTATION.ipAddrsNoIpam;
  let list: string[];
  try {
    list = parseIpList(text);
  } catch (err) {
    throw invalid(`failed to parse IPs ${text} for annotation "${name}": ${(err as Error).message}`);
  }
  if (list.length === 0) throw invalid(`annotation "${name}" specified but empty`);
  const out: PodAddress[] = [];
  for (const text of list) {
    const ip = parseIp(text);
    if (ip === null) throw invalid(`invalid IP format: ${text}`);
    if (out.some((a) => a.family === ip.family)) throw invalid(`cannot have more than one IPv${ip.family} address for "${name}" annotation`);
    // Upstream round-trips through net.IP: the canonical form is what the pod gets.
    out.push({ family: ip.family, ip: canonicalIp(text) ?? text });
  }
  return out;
}

/**
 * The pod's floating IPs, or none without the annotation. Refused unless
 * `feature_control.floating_ips` allows them. Upstream checks no pool: a
 * floating IP is any address the operator routes to this host.
 */
export function floatingIps(conf: NetConf, pod: PodInfo): string[] {
  const text = annotation(pod, ANNOTATION.floatingIps);
  if (text === undefined) return [];
  if (!conf.featureControl.floatingIps) throw invalid('requested feature is not enabled: floating_ips');
  const list = parseIpList(text);
  for (const ip of list) if (parseIp(ip) === null) throw invalid(`invalid IP format: ${ip}`);
  return list;
}

/**
 * spec.ipNATs: each floating IP paired with the pod's address of its family.
 * Upstream writes "<nil>" as the internal address of a family the pod lacks,
 * which the endpoint's validation then refuses; here that is said directly.
 */
export function floatingIpNats(floating: readonly string[], pod: readonly PodAddress[]): IPNAT[] {
  return floating.map((externalIP) => {
    const family = parseIp(externalIP)?.family ?? 4;
    const internal = pod.find((a) => a.family === family);
    if (internal === undefined) throw invalid(`floating IP ${externalIP} is IPv${family} but the pod has no IPv${family} address`);
    return { internalIP: internal.ip, externalIP };
  });
}
