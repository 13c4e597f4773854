// calico-node start-up variables as upstream reads them; every malformed one refused, named, before anything is written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CalicoError } from '../../src/api/errors.js';
import { formatCidr } from '../../src/api/net.js';
import { envBool, parseStartupEnv, type StartupConfig } from '../../src/agent/startup/env.js';
import { NodeStartup } from '../../src/agent/startup/run.js';

function config(env: Record<string, string>): StartupConfig {
  const { config: c, errors } = parseStartupEnv(env, 'n1');
  assert.deepEqual(errors, []);
  assert.ok(c !== undefined);
  return c;
}

describe('calico-node start-up variables', () => {
  it("defaults as upstream's: bird, IPv4 autodetected when unset, IPv6 not, first-found, both default pools", () => {
    const c = config({});
    assert.equal(c.backend, 'bird');
    assert.deepEqual([c.ip[4].kind, c.ip[6].kind, c.method[4].kind, c.method[6].kind], ['unset', 'unset', 'first-found', 'first-found']);
    assert.equal(c.asNumber, undefined);
    const v4 = c.pools[4];
    const v6 = c.pools[6];
    assert.deepEqual(
      [v4?.name, v4?.cidr, v4?.blockSize, v4?.ipipMode, v4?.vxlanMode, v4?.natOutgoing, v4?.nodeSelector, v4?.disableBGPExport],
      ['default-ipv4-ippool', undefined, 26, 'Never', 'Never', true, '', false],
    );
    assert.deepEqual([v6?.name, v6?.cidr, v6?.blockSize, v6?.natOutgoing], ['default-ipv6-ippool', undefined, 122, false]);
  });

  const cases: { name: string; env: Record<string, string>; check: (c: StartupConfig) => unknown; want: unknown }[] = [
    { name: 'IP=autodetect', env: { IP: 'autodetect' }, check: (c) => c.ip[4], want: { kind: 'autodetect' } },
    { name: 'IP=none', env: { IP: 'none' }, check: (c) => c.ip[4], want: { kind: 'none' } },
    { name: 'IP as an address', env: { IP: '10.0.0.5' }, check: (c) => c.ip[4], want: { kind: 'explicit', text: '10.0.0.5' } },
    { name: 'IP as address/prefix', env: { IP: '10.0.0.5/24' }, check: (c) => c.ip[4], want: { kind: 'explicit', text: '10.0.0.5/24' } },
    { name: 'IP6 as an address', env: { IP6: 'fd00::5' }, check: (c) => c.ip[6], want: { kind: 'explicit', text: 'fd00::5' } },
    { name: 'interface= takes comma-separated regexes, spaces around commas ignored', env: { IP_AUTODETECTION_METHOD: 'interface=eth.*, ens3' }, check: (c) => c.method[4].kind === 'interface' && c.method[4].patterns, want: ['eth.*', 'ens3'] },
    { name: 'skip-interface=', env: { IP_AUTODETECTION_METHOD: 'skip-interface=enp0s8' }, check: (c) => c.method[4].kind, want: 'skip-interface' },
    { name: 'can-reach= keeps the destination', env: { IP_AUTODETECTION_METHOD: 'can-reach=8.8.8.8' }, check: (c) => c.method[4], want: { kind: 'can-reach', destination: '8.8.8.8' } },
    { name: 'cidr= for IPv6', env: { IP6_AUTODETECTION_METHOD: 'cidr=fd00::/8,2001:db8::/32' }, check: (c) => c.method[6].kind === 'cidr' && c.method[6].cidrs.map(formatCidr), want: ['fd00::/8', '2001:db8::/32'] },
    { name: 'AS in plain form', env: { AS: '64512' }, check: (c) => c.asNumber, want: 64512 },
    { name: 'AS in ASDOT form', env: { AS: '1.10' }, check: (c) => c.asNumber, want: 65546 },
    { name: 'CALICO_NETWORKING_BACKEND=none', env: { CALICO_NETWORKING_BACKEND: 'none' }, check: (c) => c.backend, want: 'none' },
    { name: 'CALICO_NETWORKING_BACKEND=vxlan', env: { CALICO_NETWORKING_BACKEND: 'vxlan' }, check: (c) => c.backend, want: 'vxlan' },
    { name: 'the deprecated CALICO_NETWORKING=false means none', env: { CALICO_NETWORKING: 'false', CALICO_NETWORKING_BACKEND: 'bird' }, check: (c) => c.backend, want: 'none' },
    { name: 'NO_DEFAULT_POOLS=true: no pools', env: { NO_DEFAULT_POOLS: 'TRUE' }, check: (c) => c.pools, want: {} },
    { name: 'CALICO_IPV6POOL_CIDR=none: IPv4 only', env: { CALICO_IPV6POOL_CIDR: 'none' }, check: (c) => Object.keys(c.pools), want: ['4'] },
    { name: 'a pool CIDR loses its host bits', env: { CALICO_IPV4POOL_CIDR: '10.244.1.0/16' }, check: (c) => c.pools[4]?.cidr && formatCidr(c.pools[4].cidr), want: '10.244.0.0/16' },
    { name: 'encapsulation modes in any case, cross-subnet spelt either way', env: { CALICO_IPV4POOL_IPIP: 'Cross-Subnet', CALICO_IPV6POOL_VXLAN: 'ALWAYS' }, check: (c) => [c.pools[4]?.ipipMode, c.pools[6]?.vxlanMode], want: ['CrossSubnet', 'Always'] },
    { name: 'off means Never', env: { CALICO_IPV4POOL_VXLAN: 'off' }, check: (c) => c.pools[4]?.vxlanMode, want: 'Never' },
    { name: 'NAT outgoing: only false, 0, no, n, f turn it off (empty is true)', env: { CALICO_IPV4POOL_NAT_OUTGOING: '', CALICO_IPV6POOL_NAT_OUTGOING: 'yes' }, check: (c) => [c.pools[4]?.natOutgoing, c.pools[6]?.natOutgoing], want: [true, true] },
    { name: 'block size, node selector, BGP export', env: { CALICO_IPV4POOL_BLOCK_SIZE: '28', CALICO_IPV4POOL_NODE_SELECTOR: "zone == 'a'", CALICO_IPV4POOL_DISABLE_BGP_EXPORT: 'true' }, check: (c) => [c.pools[4]?.blockSize, c.pools[4]?.nodeSelector, c.pools[4]?.disableBGPExport], want: [28, "zone == 'a'", true] },
    { name: 'CALICO_K8S_NODE_REF', env: { CALICO_K8S_NODE_REF: 'k8s-node-1' }, check: (c) => c.k8sNodeRef, want: 'k8s-node-1' },
    { name: 'DISABLE_NODE_IP_CHECK only when exactly true', env: { DISABLE_NODE_IP_CHECK: 'True' }, check: (c) => c.disableNodeIpCheck, want: false },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(c.check(config(c.env)), c.want));

  const invalid: { env: Record<string, string>; variable: string }[] = [
    { env: { IP: 'Autodetect' }, variable: 'IP' },
    { env: { IP: 'fd00::1' }, variable: 'IP' },
    { env: { IP6: '10.0.0.1' }, variable: 'IP6' },
    { env: { IP: '10.0.0.300' }, variable: 'IP' },
    { env: { IP_AUTODETECTION_METHOD: 'first' }, variable: 'IP_AUTODETECTION_METHOD' },
    { env: { IP_AUTODETECTION_METHOD: 'interface=eth(' }, variable: 'IP_AUTODETECTION_METHOD' },
    { env: { IP6_AUTODETECTION_METHOD: 'cidr=fd00::' }, variable: 'IP6_AUTODETECTION_METHOD' },
    { env: { IP_AUTODETECTION_METHOD: 'can-reach=' }, variable: 'IP_AUTODETECTION_METHOD' },
    { env: { AS: '65536.1' }, variable: 'AS' },
    { env: { AS: 'sixty' }, variable: 'AS' },
    { env: { CALICO_NETWORKING_BACKEND: 'gobgp' }, variable: 'CALICO_NETWORKING_BACKEND' },
    { env: { CALICO_IPV4POOL_CIDR: '10.0.0.0' }, variable: 'CALICO_IPV4POOL_CIDR' },
    { env: { CALICO_IPV4POOL_CIDR: 'fd00::/48' }, variable: 'CALICO_IPV4POOL_CIDR' },
    { env: { CALICO_IPV6POOL_CIDR: '10.0.0.0/8' }, variable: 'CALICO_IPV6POOL_CIDR' },
    { env: { CALICO_IPV4POOL_CIDR: '169.254.0.0/16' }, variable: 'CALICO_IPV4POOL_CIDR' },
    { env: { CALICO_IPV4POOL_CIDR: '10.0.0.0/28' }, variable: 'CALICO_IPV4POOL_CIDR' },
    { env: { CALICO_IPV4POOL_BLOCK_SIZE: '19' }, variable: 'CALICO_IPV4POOL_BLOCK_SIZE' },
    { env: { CALICO_IPV6POOL_BLOCK_SIZE: '64' }, variable: 'CALICO_IPV6POOL_BLOCK_SIZE' },
    { env: { CALICO_IPV4POOL_BLOCK_SIZE: '26a' }, variable: 'CALICO_IPV4POOL_BLOCK_SIZE' },
    { env: { CALICO_IPV4POOL_IPIP: 'sometimes' }, variable: 'CALICO_IPV4POOL_IPIP' },
    { env: { CALICO_IPV4POOL_IPIP: 'Always', CALICO_IPV4POOL_VXLAN: 'Always' }, variable: 'CALICO_IPV4POOL_VXLAN' },
    { env: { CALICO_IPV4POOL_NODE_SELECTOR: 'zone ==' }, variable: 'CALICO_IPV4POOL_NODE_SELECTOR' },
    { env: { NO_DEFAULT_POOLS: 'true', CALICO_IPV4POOL_CIDR: '10.0.0.0/16' }, variable: 'CALICO_IPV4POOL_CIDR' },
  ];
  for (const c of invalid) {
    it(`refuses ${JSON.stringify(c.env)}, naming ${c.variable}`, () => {
      const { config: got, errors } = parseStartupEnv(c.env, 'n1');
      assert.equal(got, undefined);
      assert.deepEqual(errors.map((e) => e.path), [c.variable], JSON.stringify(errors));
    });
  }

  it('reports every malformed variable at once as one CalicoError', () => {
    assert.throws(
      () => NodeStartup.fromEnv({ IP: 'x', AS: 'y', CALICO_IPV4POOL_BLOCK_SIZE: '99' }, 'n1'),
      (err: unknown) => err instanceof CalicoError && err.details.map((d) => d.path).join(' ') === 'IP AS CALICO_IPV4POOL_BLOCK_SIZE',
    );
  });

  const bools: [string | undefined, boolean, boolean][] = [
    [undefined, true, true], [undefined, false, false], ['', false, true], ['F', true, false], ['0', true, false], ['no', true, false], ['anything', false, true],
  ];
  for (const [text, dflt, want] of bools) {
    it(`upstream's environment boolean: ${JSON.stringify(text)} with default ${dflt} is ${want}`, () => {
      assert.equal(envBool(text === undefined ? {} : { X: text }, 'X', dflt), want);
    });
  }
});
