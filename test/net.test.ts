import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalCidr,
  canonicalIp,
  cidrContainsCidr,
  cidrContainsIp,
  isStrictCidr,
  parseCidr,
  parseIp,
} from '../src/api/net.js';

describe('IP addresses', () => {
  const canonical: ReadonlyArray<readonly [string, string | null]> = [
    ['10.0.0.1', '10.0.0.1'],
    ['255.255.255.255', '255.255.255.255'],
    ['256.0.0.1', null],
    ['10.0.0', null],
    ['010.0.0.1', null],
    ['0.0.0.0', '0.0.0.0'],
    ['10.0.0.01', null],
    ['10.0.0.1000', null],
    ['10.0.0.1.', null],
    ['10..0.1', null],
    ['1.2.3.4.5', null],
    ['', null],
    [' 10.0.0.1', null],
    ['１0.0.0.1', null],
    ['fd00::1', 'fd00::1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::ffff:10.1.2.3', '::ffff:a01:203'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['gggg::1', null],
  ];
  for (const [input, want] of canonical) {
    it(`${input} is ${want ?? 'rejected'}`, () => assert.equal(canonicalIp(input), want));
  }
});

describe('CIDRs', () => {
  it('a bare address is a single-host CIDR', () => {
    assert.equal(canonicalCidr('10.1.2.3'), '10.1.2.3/32');
    assert.equal(canonicalCidr('fd00::5'), 'fd00::5/128');
  });
  it('host bits are cleared', () => assert.equal(canonicalCidr('10.1.2.3/16'), '10.1.0.0/16'));
  it('prefix beyond the family is rejected', () => {
    assert.equal(parseCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('fd00::/129'), null);
    assert.equal(parseCidr('10.0.0.0/'), null);
  });
  it('strict CIDRs have no host bits', () => {
    assert.equal(isStrictCidr('10.0.0.0/8'), true);
    assert.equal(isStrictCidr('10.0.0.1/8'), false);
    assert.equal(isStrictCidr('10.0.0.1'), false);
  });
  it('containment respects family and prefix', () => {
    const net = parseCidr('10.0.0.0/8')!;
    assert.equal(cidrContainsIp(net, parseIp('10.200.0.1')!), true);
    assert.equal(cidrContainsIp(net, parseIp('11.0.0.1')!), false);
    assert.equal(cidrContainsIp(parseCidr('::/0')!, parseIp('10.0.0.1')!), false);
    assert.equal(cidrContainsCidr(net, parseCidr('10.1.0.0/16')!), true);
    assert.equal(cidrContainsCidr(parseCidr('10.1.0.0/16')!, net), false);
    assert.equal(cidrContainsIp(parseCidr('0.0.0.0/0')!, parseIp('1.2.3.4')!), true);
  });
});
