// The layout the calico-node process tests start from: a host namespace with
// a client pod (A) and a server pod (B, listening), both workload endpoints of
// `node` in the default namespace, whose profile lets them talk.
import type { Datastore } from '../../src/datastore/types.js';
import type { NetnsLab } from '../helpers/netns.js';
import { addPod, makeHost } from '../dataplane/pods.js';
import { nsProfile, wep } from './helpers.js';

export interface PodPair {
  readonly host: string;
  readonly podA: string;
  readonly podB: string;
}

export async function podPair(
  lab: NetnsLab,
  ds: Datastore,
  o: { readonly node: string; readonly aIp: string; readonly bIp: string; readonly ports: readonly number[] },
): Promise<PodPair> {
  const host = await makeHost(lab);
  const podA = await addPod(lab, host, 'podA', 'caliA', o.aIp);
  const podB = await addPod(lab, host, 'podB', 'caliB', o.bIp);
  for (const port of o.ports) await lab.listen(podB, port);
  await ds.create(nsProfile('default'));
  await ds.create(wep({ node: o.node, pod: 'a', iface: 'caliA', ip: o.aIp, labels: { app: 'client' } }));
  await ds.create(wep({ node: o.node, pod: 'b', iface: 'caliB', ip: o.bIp, labels: { app: 'server' } }));
  return { host, podA, podB };
}
