// `ip -o monitor link address` lines, as iproute2 6.1 prints them, read as
// interface updates. Every line here was captured from a real monitor while
// veths were created, brought up, renamed, given addresses and deleted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMonitorLine, type InterfaceUpdate } from '../../src/agent/link-monitor.js';

const cases: readonly (readonly [string, string, InterfaceUpdate | null])[] = [
  [
    'a veth just created: administratively down',
    '3: cali1@p1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default \\    link/ether 96:ac:ed:2d:4e:a3 brd ff:ff:ff:ff:ff:ff',
    { type: 'link', ifindex: 3, name: 'cali1', state: 'down' },
  ],
  [
    'up while its peer is down: not operationally up',
    '3: cali1@p1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default \\    link/ether 96:ac:ed:2d:4e:a3 brd ff:ff:ff:ff:ff:ff',
    { type: 'link', ifindex: 3, name: 'cali1', state: 'down' },
  ],
  [
    'carrier: operationally up',
    '3: cali1@p1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \\    link/ether 96:ac:ed:2d:4e:a3 brd ff:ff:ff:ff:ff:ff',
    { type: 'link', ifindex: 3, name: 'cali1', state: 'up' },
  ],
  [
    'a peer in another namespace is printed @NONE',
    '2: p1@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \\    link/ether 9e:ba:9f:b9:b5:18 brd ff:ff:ff:ff:ff:ff',
    { type: 'link', ifindex: 2, name: 'p1', state: 'down' },
  ],
  [
    'loopback reports no operstate (UNKNOWN) and is up',
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default \\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    { type: 'link', ifindex: 1, name: 'lo', state: 'up' },
  ],
  [
    'a renamed interface keeps its index',
    '3: calix@p1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \\    link/ether 96:ac:ed:2d:4e:a3 brd ff:ff:ff:ff:ff:ff',
    { type: 'link', ifindex: 3, name: 'calix', state: 'up' },
  ],
  [
    'a deleted interface is gone, whatever its flags said',
    'Deleted 3: calix@NONE: <BROADCAST,MULTICAST> mtu 1400 qdisc noop state DOWN group default \\    link/ether 96:ac:ed:2d:4e:a3 brd ff:ff:ff:ff:ff:ff',
    { type: 'link', ifindex: 3, name: 'calix', state: 'gone' },
  ],
  [
    'an IPv4 address added',
    '2: p1    inet 10.9.9.9/24 scope global p1\\       valid_lft forever preferred_lft forever',
    { type: 'address', ifindex: 2, name: 'p1', family: 4, address: '10.9.9.9/24', present: true },
  ],
  [
    'an IPv6 address added, still tentative',
    '2: p1    inet6 fd00::5/64 scope global tentative \\       valid_lft forever preferred_lft forever',
    { type: 'address', ifindex: 2, name: 'p1', family: 6, address: 'fd00::5/64', present: true },
  ],
  [
    'an IPv4 address removed',
    'Deleted 2: p1    inet 10.9.9.9/24 scope global p1\\       valid_lft forever preferred_lft forever',
    { type: 'address', ifindex: 2, name: 'p1', family: 4, address: '10.9.9.9/24', present: false },
  ],
  [
    'a link-local address removed with its interface (ip names it from its own, stale, cache)',
    'Deleted 3: cali1    inet6 fe80::94ac:edff:fe2d:4ea3/64 scope link tentative \\       valid_lft forever preferred_lft forever',
    { type: 'address', ifindex: 3, name: 'cali1', family: 6, address: 'fe80::94ac:edff:fe2d:4ea3/64', present: false },
  ],
  ['the loopback address', '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever', { type: 'address', ifindex: 1, name: 'lo', family: 4, address: '127.0.0.1/8', present: true }],
  ['an error ip printed', 'Cannot find device "dummy0"', null],
  ['an empty line', '', null],
];

describe('parseMonitorLine', () => {
  for (const [what, line, want] of cases) {
    it(what, () => assert.deepEqual(parseMonitorLine(line), want));
  }
});
