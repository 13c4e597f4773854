// Felix's failsafe port syntax: proto:[net:]port.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../../src/api/net.js';
import { parseFailsafe } from '../../src/policy/failsafe.js';
import { buildPolicyModel } from '../../src/policy/index.js';

describe('failsafe ports', () => {
  const cases: { text: string; want: string | null }[] = [
    { text: 'tcp:22', want: 'tcp 22 any' },
    { text: 'UDP:68', want: 'udp 68 any' },
    { text: 'tcp:10.0.0.0/8:2379', want: 'tcp 2379 net' },
    { text: 'tcp:[fd00::/8]:22', want: 'tcp 22 net' },
    { text: 'sctp:22', want: null },
    { text: 'tcp:0', want: null },
    { text: 'tcp:70000', want: null },
    { text: 'tcp:not-a-net:22', want: null },
  ];
  for (const c of cases) {
    it(`${c.text} parses as ${c.want ?? 'invalid'}`, () => {
      const f = parseFailsafe(c.text);
      assert.equal(f === null ? null : `${f.protocol} ${f.port} ${f.net === undefined ? 'any' : 'net'}`, c.want);
    });
  }
  it('an IPv6 net contains only IPv6 addresses of that prefix', () => {
    const f = parseFailsafe('tcp:[fd00::/8]:22');
    const v6 = parseIp('fd00::1');
    const v4 = parseIp('10.0.0.1');
    assert.ok(f?.net !== undefined && v6 !== null && v4 !== null);
    assert.deepEqual([f.net.contains(v6), f.net.contains(v4)], [true, false]);
  });
  it('an invalid entry in the options is reported as a model warning', () => {
    const model = buildPolicyModel([], { failsafeInboundHostPorts: ['tcp:22', 'bogus'] });
    assert.deepEqual(model.warnings.map((w) => w.path), ['failsafeInboundHostPorts[1]']);
  });
});
