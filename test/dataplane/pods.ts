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
