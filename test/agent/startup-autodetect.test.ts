// IP autodetection as upstream's: which interfaces each method looks at, in which order, and the address it takes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, type IpAddress, type IpFamily } from '../../src/api/net.js';
import { autodetect, isGlobalUnicast, parseIpAddrJson, type HostInterface, type ReachSource } from '../../src/agent/startup/autodetect.js';
import { parseStartupEnv, type DetectionMethod } from '../../src/agent/startup/env.js';
import { iface } from './startup-fixtures.js';


function method(text: string, family: IpFamily = 4): DetectionMethod {
  const { config } = parseStartupEnv(family === 4 ? { IP_AUTODETECTION_METHOD: text } : { IP6_AUTODETECTION_METHOD: text }, 'n');
  assert.ok(config !== undefined);
  return config.method[family];
}

const HOST = [
  iface(1, 'lo', '127.0.0.1/8', '::1/128'),
  iface(2, 'eth0', '10.0.0.5/24', 'fe80::1/64', '2001:db8::5/64'),
  iface(3, 'eth1', '192.168.50.7/16'),
  iface(4, 'docker0', '172.17.0.1/16'),
  iface(5, 'cali1234', '169.254.1.1/32'),
  iface(6, 'ens3'),
];

describe('IP autodetection', () => {
  const cases: { name: string; method: string; family?: IpFamily; ifaces?: HostInterface[]; reach?: ReachSource; want: string | null }[] = [
    // Upstream walks the interfaces from the highest index down: eth1 comes before eth0.
    { name: 'first-found takes the last interface first, skipping docker*, cali* and lo', method: 'first-found', want: '192.168.50.7/16' },
    { name: 'first-found for IPv6 skips link-local addresses', method: 'first-found', family: 6, want: '2001:db8::5/64' },
    { name: 'first-found finds nothing when only excluded interfaces have addresses', method: 'first-found', ifaces: [HOST[0] as HostInterface, HOST[3] as HostInterface], want: null },
    { name: "'^lo' excludes every name that starts with lo", method: 'first-found', ifaces: [iface(1, 'local0', '10.1.1.1/24')], want: null },
    { name: 'interface= takes the named interface only', method: 'interface=eth0', want: '10.0.0.5/24' },
    { name: 'interface= regexes are alternatives', method: 'interface=nomatch,eth0', want: '10.0.0.5/24' },
    { name: 'interface= is not limited by the default exclusions', method: 'interface=docker.*', want: '172.17.0.1/16' },
    { name: 'interface= regexes are unanchored', method: 'interface=th0', want: '10.0.0.5/24' },
    { name: 'skip-interface= skips the named ones and the defaults', method: 'skip-interface=eth1', want: '10.0.0.5/24' },
    { name: 'cidr= takes the first address inside one of the CIDRs', method: 'cidr=10.0.0.0/8', want: '10.0.0.5/24' },
    { name: 'cidr= looks at every interface, excluded names too', method: 'cidr=172.16.0.0/12', want: '172.17.0.1/16' },
    { name: 'cidr= still needs a global unicast address', method: 'cidr=127.0.0.0/8', want: null },
    { name: 'can-reach= takes the interface address the kernel uses as source', method: 'can-reach=10.0.0.1', reach: { ok: true, source: '10.0.0.5' as IpAddress }, want: '10.0.0.5/24' },
    { name: 'can-reach= source on an excluded interface still counts', method: 'can-reach=172.17.0.9', reach: { ok: true, source: '172.17.0.1' as IpAddress }, want: '172.17.0.1/16' },
    { name: 'can-reach= with a source on no interface fails', method: 'can-reach=10.9.9.9', reach: { ok: true, source: '10.9.9.9' as IpAddress }, want: null },
    { name: 'can-reach= without a route fails', method: 'can-reach=10.9.9.9', reach: { ok: false, reason: 'no route' }, want: null },
    { name: 'kubernetes-internal-ip needs Kubernetes', method: 'kubernetes-internal-ip', want: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = autodetect(method(c.method, c.family), c.family ?? 4, c.ifaces ?? HOST, c.reach);
      assert.equal(got.ok ? got.cidr : null, c.want, got.ok ? '' : got.reason);
    });
  }

  const unicast: [string, boolean][] = [
    ['10.0.0.1', true], ['192.168.1.1', true], ['0.0.0.0', false], ['127.0.0.1', false], ['169.254.3.4', false], ['224.0.0.1', false],
    ['255.255.255.255', false], ['2001:db8::1', true], ['fd00::1', true], ['::', false], ['::1', false], ['fe80::1', false], ['febf::1', false],
    ['ff02::1', false], ['::ffff:127.0.0.1', false], ['::ffff:10.0.0.1', true],
  ];
  for (const [ip, want] of unicast) {
    it(`${ip} is ${want ? '' : 'not '}global unicast (Go's rule)`, () => {
      const parsed = parseIp(ip);
      assert.ok(parsed !== null);
      assert.equal(isGlobalUnicast(parsed), want);
    });
  }

  it('reads `ip -j addr`: links by index with their local addresses, peers ignored', () => {
    const json = JSON.stringify([
      { ifindex: 7, ifname: 'tun0', addr_info: [{ family: 'inet', local: '10.8.0.1', address: '10.8.0.2', prefixlen: 32 }] },
      { ifindex: 1, ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }, { family: 'inet6', local: '0:0::1', prefixlen: 128 }] },
      { ifindex: 3, ifname: 'eth0', addr_info: [] },
    ]);
    assert.deepEqual(parseIpAddrJson(json), [
      iface(1, 'lo', '127.0.0.1/8', '::1/128'),
      iface(3, 'eth0'),
      iface(7, 'tun0', '10.8.0.1/32'),
    ]);
  });
});
