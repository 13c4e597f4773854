// A "host" namespace with pod namespaces attached by veths, wired the way the
// Calico CNI plugin does it: pod /32 address, link-local gateway 169.254.1.1
// answered by proxy ARP on the host side. The host gets an uplink veth with a
// default route so proxy ARP has a route to answer with.
import type { NetnsLab } from '../helpers/netns.js';

export async function makeHost(lab: NetnsLab): Promise<string> {
  const host = await lab.netns('host');
  await lab.must(host, ['ip', 'link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'uplink-peer']);
  await lab.must(host, ['ip', 'link', 'set', 'uplink', 'up']);
  await lab.must(host, ['ip', 'link', 'set', 'uplink-peer', 'up']);
  await lab.must(host, ['ip', 'route', 'add', 'default', 'dev', 'uplink']);
  return host;
}

export async function addPod(lab: NetnsLab, host: string, name: string, hostIf: string, ip: string): Promise<string> {
  const ns = await lab.netns(name);
  await lab.veth(ns, 'eth0', host, hostIf);
  await lab.must(ns, ['ip', 'addr', 'add', `${ip}/32`, 'dev', 'eth0']);
  await lab.must(ns, ['ip', 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
  await lab.must(ns, ['ip', 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
  return ns;
}

/** The host-side veth's link-local address once its MAC is ee:ee:ee:ee:ee:ee, as the CNI plugin sets it. */
export const HOST_LINK_LOCAL = 'fe80::ecee:eeff:feee:eeee';

/** An IPv6 pod: /128 address, default route via the host veth's link-local address. */
export async function addPod6(lab: NetnsLab, host: string, name: string, hostIf: string, ip: string): Promise<string> {
  const ns = await lab.netns(name);
  await lab.veth(ns, 'eth0', host, hostIf);
  await lab.must(host, ['sysctl', '-q', '-w', `net/ipv6/conf/${hostIf}/accept_dad=0`]);
  await lab.must(host, ['ip', 'link', 'set', hostIf, 'down']);
  await lab.must(host, ['ip', 'link', 'set', hostIf, 'address', 'ee:ee:ee:ee:ee:ee']);
  await lab.must(host, ['ip', 'link', 'set', hostIf, 'up']);
  await lab.must(ns, ['ip', '-6', 'addr', 'add', `${ip}/128`, 'dev', 'eth0', 'nodad']);
  await lab.must(ns, ['ip', '-6', 'route', 'add', 'default', 'via', HOST_LINK_LOCAL, 'dev', 'eth0']);
  return ns;
}
