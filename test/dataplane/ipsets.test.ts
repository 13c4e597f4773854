// IP set members → nft elements, and the config values the dataplane reads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCidr, parseCidr, type IpFamily } from '../../src/api/net.js';
import { nftCidr } from '../../src/dataplane/rules.js';
import { ipPortElement, netSetElements, setElements } from '../../src/dataplane/ipsets.js';
import { dataplaneSettings, parseFailsafePorts } from '../../src/dataplane/config.js';
import { ipSetName, lengthLimitedName, policyChainName } from '../../src/dataplane/names.js';
import { setId } from './fixtures.js';

describe('net set elements', () => {
  it('drop members covered by a larger member (interval sets reject overlaps)', () => {
    assert.deepEqual(netSetElements(['10.1.2.0/24', '10.0.0.0/8', '10.1.0.0/16', '192.168.0.1/32'], 4), ['10.0.0.0/8', '192.168.0.1']);
  });

  it('keep adjacent, non-overlapping members', () => {
    assert.deepEqual(netSetElements(['10.0.0.0/25', '10.0.0.128/25'], 4), ['10.0.0.0/25', '10.0.0.128/25']);
  });

  it('split a catch-all into two halves', () => {
    assert.deepEqual(netSetElements(['0.0.0.0/0'], 4), ['0.0.0.0/1', '128.0.0.0/1']);
  });

  it('keep only the table family, in canonical form', () => {
    assert.deepEqual(netSetElements(['10.0.0.1', 'fd00:0:0::1/128', 'FD00::/64'], 6), ['fd00::/64']);
  });
});

/** The definition, spelled out with the general parser: canonical, family filtered, /0 split, nested members dropped. */
function referenceElements(members: readonly string[], family: IpFamily): string[] {
  const bits = family === 4 ? 32 : 128;
  const nets = members.flatMap((m) => {
    const c = parseCidr(m);
    if (c === null || c.family !== family) return [];
    if (c.prefixLength > 0) return [c];
    return [{ family, network: 0n, prefixLength: 1 }, { family, network: 1n << BigInt(bits - 1), prefixLength: 1 }];
  });
  const last = (c: { network: bigint; prefixLength: number }): bigint => c.network + (1n << BigInt(bits - c.prefixLength)) - 1n;
  const kept = nets.filter((c, i) => !nets.some((o, j) => j !== i && o.network <= c.network && last(c) <= last(o) && (o.prefixLength < c.prefixLength || (o.prefixLength === c.prefixLength && j < i))));
  return kept.sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : 0)).map((c) => nftCidr(formatCidr(c)));
}

describe('net set elements match their definition', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const v4 = fc.tuple(octet, octet, octet, octet, fc.option(fc.integer({ min: 0, max: 32 }))).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}${p === null ? '' : `/${p}`}`);
  // Few distinct networks so that nesting and duplicates are common.
  const nested = fc.tuple(fc.constantFrom('10', '172', '192'), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(8, 16, 24, 30, 32)).map(([a, b, c, p]) => `${a}.${b}.${c}.${c * 4}/${p}`);
  const odd = fc.constantFrom('010.0.0.1', '10.0.0.1/033', '256.0.0.1', '10.0.0.1/33', '::ffff:10.0.0.1', 'fd00::1/64', 'FD00::/63', '::/0', 'nonsense', '');
  const members = fc.array(fc.oneof(v4, nested, odd), { maxLength: 40 });

  it('for IPv4', () => fc.assert(fc.property(members, (m) => assert.deepEqual(netSetElements(m, 4), referenceElements(m, 4))), { numRuns: 500 }));
  it('for IPv6', () => fc.assert(fc.property(members, (m) => assert.deepEqual(netSetElements(m, 6), referenceElements(m, 6))), { numRuns: 200 }));
  it('for duplicates', () => assert.deepEqual(netSetElements(['10.0.0.4/32', '10.0.0.4', '10.0.0.0/30', '10.0.0.0/30'], 4), ['10.0.0.0/30', '10.0.0.4']));
});

describe('ip-and-port set elements', () => {
  it('become ip . proto . port concatenations', () => {
    assert.equal(ipPortElement('10.0.0.1,tcp:8080', 4), '10.0.0.1 . tcp . 8080');
    assert.equal(ipPortElement('fd00::0001,udp:53', 6), 'fd00::1 . udp . 53');
  });

  it('skip members of the other family and malformed ones', () => {
    assert.deepEqual(setElements('ip-and-port', ['10.0.0.1,tcp:80', 'fd00::1,tcp:80', 'nonsense'], 4), ['10.0.0.1 . tcp . 80']);
  });
});

describe('names', () => {
  it('IP sets are cali + family + 0 + ID cut to 31 with - for :', () => {
    assert.equal(ipSetName(setId('s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'), 4), 'cali40s-5y5I3VdRZfDU01O--xXAPx2');
  });

  it('over-long chain names are hashed to the limit', () => {
    assert.equal(lengthLimitedName('cali-pi-', 'gnp/allow-everything-please', 28), 'cali-pi-_JPhwf3wo8_rgyJvvRRd');
    assert.equal(lengthLimitedName('cali-pi-', 'np/default/allow-dns', 28), 'cali-pi-np/default/allow-dns');
    assert.ok(policyChainName(`gnp/${'x'.repeat(300)}`, 'ingress').length <= 255);
  });

  it('names with characters nft cannot parse unquoted are hashed', () => {
    assert.match(policyChainName('gnp/a:b', 'ingress'), /^filter-cali-pi-_[A-Za-z0-9_-]+$/);
  });
});

describe('dataplane settings', () => {
  it('default to Felix: drop to host, calico-packet, cali, failsafes', () => {
    const s = dataplaneSettings({});
    assert.deepEqual(
      { toHost: s.defaultEndpointToHostAction, prefix: s.logPrefix, ifaces: s.interfacePrefixes, inbound: s.failsafeInbound.map((p) => `${p.protocol}:${p.port}`).join(',') },
      { toHost: 'drop', prefix: 'calico-packet', ifaces: ['cali'], inbound: 'tcp:22,udp:68,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667' },
    );
  });

  it('read DefaultEndpointToHostAction case-insensitively', () => {
    assert.equal(dataplaneSettings({ DefaultEndpointToHostAction: 'Return' }).defaultEndpointToHostAction, 'return');
    assert.equal(dataplaneSettings({ DefaultEndpointToHostAction: 'ACCEPT' }).defaultEndpointToHostAction, 'accept');
  });

  it('parse failsafe ports with optional nets, IPv6 in brackets, and none', () => {
    assert.deepEqual(parseFailsafePorts('tcp:10.0.0.0/8:22, udp:[fd00::/8]:53'), [
      { protocol: 'tcp', port: 22, net: { family: 4, cidr: '10.0.0.0/8' } },
      { protocol: 'udp', port: 53, net: { family: 6, cidr: 'fd00::/8' } },
    ]);
    assert.deepEqual(parseFailsafePorts('none'), []);
  });

  it('allocate mark bits from NftablesMarkMask, lowest bit first', () => {
    assert.deepEqual(dataplaneSettings({ NftablesMarkMask: '0xf00f0000' }).marks, { accept: 0x10000, pass: 0x20000, drop: 0x40000, scratch0: 0x80000, scratch1: 0x10000000 });
  });

  it('fall back to the default marks when the mask has fewer than five bits', () => {
    assert.equal(dataplaneSettings({ NftablesMarkMask: '0x3' }).marks.accept, 0x10000);
  });

  it('parse failsafe ports in the v3 list form', () => {
    assert.deepEqual(parseFailsafePorts('[{"protocol":"TCP","port":22},{"protocol":"UDP","port":68,"net":"10.0.0.0/8"}]'), [
      { protocol: 'tcp', port: 22 },
      { protocol: 'udp', port: 68, net: { family: 4, cidr: '10.0.0.0/8' } },
    ]);
  });
});
