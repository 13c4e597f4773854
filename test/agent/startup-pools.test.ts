// The default IP pools calico-node creates at start, as upstream's startup does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IPPool } from '../../src/api/infra-types.js';
import { formatCidr, parseCidr, parseIp, type ParsedCidr, type ParsedIp } from '../../src/api/net.js';
import { parseStartupEnv } from '../../src/agent/startup/env.js';
import { decidePools, defaultIpv4Pool, ulaPrefix } from '../../src/agent/startup/pools.js';

const ULA = parseCidr('fd12:3456:789a::/48') as ParsedCidr;

function pool(name: string, cidr: string): IPPool {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr } };
}

function ips(...texts: string[]): ParsedIp[] {
  return texts.map((t) => parseIp(t) as ParsedIp);
}

function decide(env: Record<string, string>, existing: IPPool[] = [], ipv6Supported = true, hostIpv4: ParsedIp[] = ips('127.0.0.1', '10.0.0.5')): { create: readonly IPPool[] } {
  const { config, errors } = parseStartupEnv(env, 'n1');
  assert.deepEqual(errors, []);
  assert.ok(config !== undefined);
  return decidePools({ config, existing, hostIpv4, ipv6Supported, ulaPrefix: ULA });
}

describe('default IP pools', () => {
  it("creates upstream's defaults: 192.168.0.0/16 with NAT outgoing, and a ULA /48 without", () => {
    assert.deepEqual(decide({}).create, [
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPPool',
        metadata: { name: 'default-ipv4-ippool' },
        spec: { cidr: '192.168.0.0/16', ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: true, blockSize: 26, nodeSelector: 'all()', disableBGPExport: false, allowedUses: ['Workload', 'Tunnel'], assignmentMode: 'Automatic' },
      },
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPPool',
        metadata: { name: 'default-ipv6-ippool' },
        spec: { cidr: 'fd12:3456:789a::/48', ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, blockSize: 122, nodeSelector: 'all()', disableBGPExport: false, allowedUses: ['Workload', 'Tunnel'], assignmentMode: 'Automatic' },
      },
    ]);
  });

  const cases: { name: string; env: Record<string, string>; existing?: IPPool[]; ipv6?: boolean; want: string[] }[] = [
    { name: 'the CIDRs from the environment', env: { CALICO_IPV4POOL_CIDR: '10.244.0.0/16', CALICO_IPV6POOL_CIDR: 'fd00:10:244::/64' }, want: ['default-ipv4-ippool 10.244.0.0/16', 'default-ipv6-ippool fd00:10:244::/64'] },
    { name: 'no IPv4 pool when one exists, whatever its name', env: {}, existing: [pool('mine', '10.1.0.0/16')], want: ['default-ipv6-ippool fd12:3456:789a::/48'] },
    { name: 'no pool of a family that has one, even a disabled one', env: {}, existing: [pool('a', '10.1.0.0/16'), { ...pool('b', 'fd00::/64'), spec: { cidr: 'fd00::/64', disabled: true } }], want: [] },
    { name: 'a stored pool with an unparsable CIDR counts for nothing', env: {}, existing: [pool('bad', 'nonsense')], want: ['default-ipv4-ippool 192.168.0.0/16', 'default-ipv6-ippool fd12:3456:789a::/48'] },
    { name: 'no IPv6 pool when IPv6 is unsupported', env: {}, ipv6: false, want: ['default-ipv4-ippool 192.168.0.0/16'] },
    { name: 'none skips a family', env: { CALICO_IPV4POOL_CIDR: 'none' }, want: ['default-ipv6-ippool fd12:3456:789a::/48'] },
    { name: 'NO_DEFAULT_POOLS=true: none at all', env: { NO_DEFAULT_POOLS: 'true' }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = decide(c.env, c.existing, c.ipv6 ?? true).create.map((p) => `${p.metadata.name} ${p.spec.cidr}`);
      assert.deepEqual(got, c.want);
    });
  }

  it('carries every CALICO_IPV4POOL_ setting into the pool', () => {
    const [v4] = decide({
      CALICO_IPV4POOL_CIDR: '10.244.0.0/16',
      CALICO_IPV4POOL_BLOCK_SIZE: '24',
      CALICO_IPV4POOL_IPIP: 'CrossSubnet',
      CALICO_IPV4POOL_NAT_OUTGOING: 'false',
      CALICO_IPV4POOL_NODE_SELECTOR: "zone == 'a'",
      CALICO_IPV4POOL_DISABLE_BGP_EXPORT: 'true',
    }).create;
    assert.deepEqual(
      [v4?.spec.blockSize, v4?.spec.ipipMode, v4?.spec.vxlanMode, v4?.spec.natOutgoing, v4?.spec.nodeSelector, v4?.spec.disableBGPExport],
      [24, 'CrossSubnet', 'Never', false, "zone == 'a'", true],
    );
  });

  const selection: { name: string; host: string[]; want: string }[] = [
    { name: '192.168.0.0/16 when no host address is in it', host: ['10.0.0.5', '127.0.0.1'], want: '192.168.0.0/16' },
    { name: '172.16.0.0/16 when a host address is in 192.168.0.0/16', host: ['192.168.1.10'], want: '172.16.0.0/16' },
    { name: 'the first free 172.x.0.0/16', host: ['192.168.1.10', '172.16.0.1', '172.17.0.1'], want: '172.18.0.0/16' },
    { name: '192.168.0.0/16 anyway when every candidate is taken', host: ['192.168.0.1', ...Array.from({ length: 16 }, (_, i) => `172.${16 + i}.0.1`)], want: '192.168.0.0/16' },
  ];
  for (const c of selection) it(`default IPv4 CIDR: ${c.name}`, () => assert.equal(formatCidr(defaultIpv4Pool(ips(...c.host))), c.want));

  it('a ULA prefix is fd followed by the five random bytes, as a /48', () => {
    assert.equal(formatCidr(ulaPrefix(Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a]))), 'fd12:3456:789a::/48');
  });
});
