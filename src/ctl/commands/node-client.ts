// libcalico-go's Node Delete: a node takes what is its own with it — the
// addresses of its workload endpoints and tunnels, the endpoints themselves,
// its IPAM host affinities, node-scoped BGP peers, `node.<name>` Felix and
// BGP configurations and its host endpoints — before the Node goes. Each
// step tolerates what is already gone, so a half-done delete can be rerun.
import { CalicoError } from '../../api/errors.js';
import { canonicalIp, type IpAddress } from '../../api/net.js';
import type { Datastore, ResourceKey, StoredResource } from '../../datastore/types.js';
import { IpamClient } from '../../ipam/index.js';

type Obj = Readonly<Record<string, unknown>>;

function spec(r: StoredResource | undefined): Obj {
  return typeof r?.spec === 'object' && r.spec !== null ? (r.spec as Obj) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The address of a CIDR or a bare IP, as ParseCIDROrIP gives it. */
function addressOf(cidrOrIp: string): IpAddress | null {
  return canonicalIp(cidrOrIp.split('/')[0] ?? '');
}

async function deleteIfPresent(ds: Datastore, key: ResourceKey): Promise<void> {
  try {
    await ds.delete(key);
  } catch (err) {
    if (!(err instanceof CalicoError && err.code === 'not-found')) throw err;
  }
}

/** Everything of node `name` except the Node itself, removed. */
export async function cleanUpNode(ds: Datastore, name: string): Promise<void> {
  const weps = (await ds.list({ kind: 'WorkloadEndpoint' })).items.filter((w) => spec(w)['node'] === name);
  const node = await ds.get({ kind: 'Node', name });
  const bgp = spec(node)['bgp'] as Obj | undefined;
  const wireguard = spec(node)['wireguard'] as Obj | undefined;
  const addresses = [
    ...weps.flatMap((w) => {
      const nets = spec(w)['ipNetworks'];
      return Array.isArray(nets) ? nets.map(str) : [];
    }),
    str(bgp?.['ipv4IPIPTunnelAddr']),
    str(spec(node)['ipv4VXLANTunnelAddr']),
    str(wireguard?.['interfaceIPv4Address']),
  ]
    .filter((a) => a !== '')
    .map(addressOf)
    .filter((a): a is NonNullable<typeof a> => a !== null);

  const ipam = new IpamClient(ds);
  if (addresses.length > 0) await ipam.releaseIps(addresses.map((address) => ({ address })));
  for (const w of weps) {
    await deleteIfPresent(ds, { kind: 'WorkloadEndpoint', namespace: w.metadata.namespace ?? '', name: w.metadata.name });
  }
  await ipam.releaseHostAffinities(name, false);
  for (const peer of (await ds.list({ kind: 'BGPPeer' })).items) {
    if (spec(peer)['node'] === name) await deleteIfPresent(ds, { kind: 'BGPPeer', name: peer.metadata.name });
  }
  await deleteIfPresent(ds, { kind: 'FelixConfiguration', name: `node.${name}` });
  await deleteIfPresent(ds, { kind: 'BGPConfiguration', name: `node.${name}` });
  for (const hep of (await ds.list({ kind: 'HostEndpoint' })).items) {
    if (spec(hep)['node'] === name) await deleteIfPresent(ds, { kind: 'HostEndpoint', name: hep.metadata.name });
  }
}
