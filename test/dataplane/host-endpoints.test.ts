// Binding host endpoints to interfaces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveHostEndpoints } from '../../src/dataplane/host-endpoints.js';
import type { HostEndpointIntent } from '../../src/calc/types.js';
import type { IpAddress } from '../../src/api/net.js';

function hep(id: string, interfaceName: string, ips: string[] = []): [string, HostEndpointIntent] {
  return [id, { id, interfaceName, expectedIpv4Addrs: ips as IpAddress[], expectedIpv6Addrs: [], tiers: [], untrackedTiers: [], preDnatTiers: [], forwardTiers: [], profileIds: [] }];
}

const addrs = new Map([
  ['eth0', new Set(['192.168.1.10'])],
  ['eth1', new Set(['10.0.0.1', 'fd00::1'])],
  ['cali1', new Set(['192.168.1.10'])],
]);
const isWl = (i: string): boolean => i.startsWith('cali');
const resolve = (...heps: [string, HostEndpointIntent][]): Record<string, string> => Object.fromEntries(resolveHostEndpoints(new Map(heps), addrs, isWl));

describe('resolveHostEndpoints', () => {
  it('binds a HEP to the interface it names', () => {
    assert.deepEqual(resolve(hep('h/a', 'eth0')), { eth0: 'h/a' });
  });

  it('among HEPs naming the same interface the smallest ID wins', () => {
    assert.deepEqual(resolve(hep('h/b', 'eth0'), hep('h/a', 'eth0')), { eth0: 'h/a' });
  });

  it('binds a HEP without interfaceName to host interfaces holding an expected IP, never to workload ones', () => {
    assert.deepEqual(resolve(hep('h/ip', '', ['192.168.1.10'])), { eth0: 'h/ip' });
  });

  it('an explicit interfaceName beats an IP match for that interface', () => {
    assert.deepEqual(resolve(hep('h/z', 'eth0'), hep('h/a', '', ['192.168.1.10'])), { eth0: 'h/z' });
  });

  it('a HEP naming an interface never matches another one by IP', () => {
    assert.deepEqual(resolve(hep('h/a', 'eth9', ['10.0.0.1'])), { eth9: 'h/a' });
  });

  it('keeps * as its own binding, the fallback for interfaces without one', () => {
    assert.deepEqual(resolve(hep('h/all', '*'), hep('h/a', 'eth0')), { '*': 'h/all', eth0: 'h/a' });
  });
});
