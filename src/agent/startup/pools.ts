// The default IP pools upstream's startup creates (configureIPPools): one per
// family when no pool of that family exists at all, from the CALICO_IPVxPOOL_*
// variables. Pure: the shell supplies the stored pools, the host's IPv4
// addresses (the default IPv4 pool avoids them) and a random ULA prefix.
import type { IPPool } from '../../api/infra-types.js';
import { ipPoolDefaults } from '../../api/kinds/ip-pool.js';
import { CALICO_API_VERSION } from '../../api/meta.js';
import { cidrContainsIp, formatCidr, parseCidr, type IpFamily, type ParsedCidr, type ParsedIp } from '../../api/net.js';
import { poolSpec, type PoolRequest, type StartupConfig } from './env.js';
import type { Note } from './node.js';

export interface PoolInputs {
  readonly config: StartupConfig;
  readonly existing: readonly IPPool[];
  /** Every IPv4 address on the host (loopback included), which the default IPv4 pool must not contain. */
  readonly hostIpv4: readonly ParsedIp[];
  /** FELIX_IPV6SUPPORT and the kernel's IPv6 (/proc/sys/net/ipv6) both allow IPv6. */
  readonly ipv6Supported: boolean;
  /** A random RFC 4193 /48, used when IPv6 gets a pool and CALICO_IPV6POOL_CIDR is unset. */
  readonly ulaPrefix: ParsedCidr;
}

const PREFERRED_IPV4 = parseCidr('192.168.0.0/16') as ParsedCidr;

/** Upstream's GetDefaultIPv4Pool: 192.168.0.0/16 unless a host address is in it, then the first free 172.16-31.0.0/16, else 192.168.0.0/16 anyway. */
export function defaultIpv4Pool(hostIpv4: readonly ParsedIp[]): ParsedCidr {
  const free = (c: ParsedCidr): boolean => !hostIpv4.some((ip) => cidrContainsIp(c, ip));
  if (free(PREFERRED_IPV4)) return PREFERRED_IPV4;
  for (let second = 16; second <= 31; second++) {
    const candidate = parseCidr(`172.${second}.0.0/16`) as ParsedCidr;
    if (free(candidate)) return candidate;
  }
  return PREFERRED_IPV4;
}

/** A random RFC 4193 unique local /48 from five random bytes (fdXX:XXXX:XXXX::/48), as upstream generates it. */
export function ulaPrefix(random: Uint8Array): ParsedCidr {
  let v = 0xfdn;
  for (let i = 0; i < 5; i++) v = (v << 8n) | BigInt(random[i] ?? 0);
  return { family: 6, network: v << 80n, prefixLength: 48 };
}

function pool(request: PoolRequest, cidr: ParsedCidr): IPPool {
  const spec = ipPoolDefaults(poolSpec(request, formatCidr(cidr)));
  return { apiVersion: CALICO_API_VERSION, kind: 'IPPool', metadata: { name: request.name }, spec };
}

/** The pools to create, in upstream's order (IPv4, then IPv6). */
export function decidePools(inputs: PoolInputs): { readonly create: readonly IPPool[]; readonly notes: readonly Note[] } {
  const { config } = inputs;
  const notes: Note[] = [];
  const present = new Set<IpFamily>();
  for (const p of inputs.existing) {
    const c = parseCidr(p.spec.cidr);
    if (c === null) notes.push({ level: 'warn', msg: `Error parsing CIDR '${p.spec.cidr}'. Skipping the IPPool.` });
    else present.add(c.family);
  }
  const create: IPPool[] = [];
  const v4 = config.pools[4];
  if (v4 !== undefined && !present.has(4)) {
    const cidr = v4.cidr ?? defaultIpv4Pool(inputs.hostIpv4);
    if (v4.cidr === undefined) notes.push({ level: 'info', msg: `Selected default IP pool is '${formatCidr(cidr)}'` });
    create.push(pool(v4, cidr));
  }
  const v6 = config.pools[6];
  if (v6 !== undefined && !present.has(6) && inputs.ipv6Supported) create.push(pool(v6, v6.cidr ?? inputs.ulaPrefix));
  if (config.pools[4] === undefined && config.pools[6] === undefined) notes.push({ level: 'info', msg: 'Skipping IP pool configuration' });
  return { create, notes };
}
