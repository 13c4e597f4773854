// The lab's own network, made entirely of namespaces: a "net" namespace with
// a bridge (the lab network, which also holds etcd), and a namespace per host
// linked to that bridge by a veth. Nothing is created in the root namespace:
// each veth is made inside a lab namespace with its peer placed directly into
// another one.
import { readdirSync } from 'node:fs';
import { must, run } from './exec.js';
import { netnsPrefix } from './state.js';

/** The lab network; any lab may use the same addresses, each in its own namespaces. */
export const LAB_NETWORK = { bridge: 'lab0', gateway: '172.30.0.1', prefixLength: 24 } as const;

export function hostAddress(index: number): string {
  return `172.30.0.${11 + index}`;
}

export function labNetnsName(prefix: string, what: 'net' | `host${number}`): string {
  return `${prefix}${what}`;
}

/** `_` is in no pod or namespace name, so the name cannot collide with another pod's. */
export function podNetnsName(prefix: string, namespace: string, pod: string): string {
  return `${prefix}pod_${namespace}_${pod}`;
}

export async function addNetns(name: string): Promise<void> {
  await must(['ip', 'netns', 'add', name]);
  await must(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

export async function deleteNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'del', name]);
}

/**
 * The lab's namespaces (read from /var/run/netns, as `ip netns list` does):
 * the prefix and one of our suffixes, so lab `a` never claims lab `a-b`'s
 * `cl-a-b-net`.
 */
export function labNamespaces(labName: string): string[] {
  const prefix = netnsPrefix(labName);
  try {
    return readdirSync('/var/run/netns').filter((n) => n.startsWith(prefix) && /^(net|host\d+|pod_.+)$/.test(n.slice(prefix.length)));
  } catch {
    return [];
  }
}

export async function makeLabNetwork(netns: string): Promise<void> {
  await addNetns(netns);
  const { bridge, gateway, prefixLength } = LAB_NETWORK;
  await must(['ip', '-n', netns, 'link', 'add', bridge, 'type', 'bridge']);
  await must(['ip', '-n', netns, 'addr', 'add', `${gateway}/${prefixLength}`, 'dev', bridge]);
  await must(['ip', '-n', netns, 'link', 'set', bridge, 'up']);
}

/**
 * A host: its namespace, `eth0` on the lab network and a default route via the
 * lab gateway (a Calico host has one; proxy ARP for the pods' 169.254.1.1
 * gateway answers only when the host has a route).
 */
export async function makeHost(netNetns: string, hostNetns: string, index: number): Promise<string> {
  await addNetns(hostNetns);
  const { bridge, gateway, prefixLength } = LAB_NETWORK;
  const port = `h${index + 1}`;
  const address = hostAddress(index);
  await must(['ip', '-n', netNetns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNetns]);
  await must(['ip', '-n', netNetns, 'link', 'set', port, 'master', bridge]);
  await must(['ip', '-n', netNetns, 'link', 'set', port, 'up']);
  await must(['ip', '-n', hostNetns, 'addr', 'add', `${address}/${prefixLength}`, 'dev', 'eth0']);
  await must(['ip', '-n', hostNetns, 'link', 'set', 'eth0', 'up']);
  await must(['ip', '-n', hostNetns, 'route', 'add', 'default', 'via', gateway]);
  return address;
}
