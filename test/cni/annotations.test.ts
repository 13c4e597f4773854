// The ipAddrsNoIpam and floatingIPs annotations and feature_control, without a
// runtime: what each value gives and upstream's message for each refusal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATION, floatingIpNats, floatingIps, noIpamAddresses } from '../../src/cni/annotations.js';
import { CniError } from '../../src/cni/errors.js';
import type { PodInfo } from '../../src/cni/identity.js';
import { parseNetConf } from '../../src/cni/netconf.js';

const refused = (fn: () => unknown, message: string): void =>
  assert.throws(fn, (e: unknown) => e instanceof CniError && e.code === 7 && e.message === message);

const pod = (annotations: Record<string, string>): PodInfo => ({ labels: {}, annotations, serviceAccountName: '', ports: [] });

describe('feature_control', () => {
  it('both features are off unless the configuration turns them on', () => {
    assert.deepEqual(parseNetConf({ name: 'n' }).featureControl, { ipAddrsNoIpam: false, floatingIps: false });
  });

  it('reads ip_addrs_no_ipam and floating_ips', () => {
    const c = parseNetConf({ name: 'n', feature_control: { ip_addrs_no_ipam: true, floating_ips: true } });
    assert.deepEqual(c.featureControl, { ipAddrsNoIpam: true, floatingIps: true });
  });

  it('a value that is not a boolean is a configuration error naming the key', () => {
    refused(() => parseNetConf({ name: 'n', feature_control: { floating_ips: 'yes' } }), 'invalid network config: "feature_control.floating_ips" must be true or false, not "yes"');
  });
});

describe('ipAddrsNoIpam addresses', () => {
  const ok: readonly [string, string, { family: number; ip: string }[]][] = [
    ['one IPv4 address', '["10.1.2.3"]', [{ family: 4, ip: '10.1.2.3' }]],
    ['one of each family, IPv6 in canonical form', '["10.1.2.3", "FD00:0::5"]', [{ family: 4, ip: '10.1.2.3' }, { family: 6, ip: 'fd00::5' }]],
  ];
  for (const [name, text, want] of ok) it(name, () => assert.deepEqual(noIpamAddresses(text), want));

  const name = ANNOTATION.ipAddrsNoIpam;
  const bad: readonly [string, string, string][] = [
    ['an empty list', '[]', `annotation "${name}" specified but empty`],
    ['two IPv4 addresses', '["10.1.2.3", "10.1.2.4"]', `cannot have more than one IPv4 address for "${name}" annotation`],
    ['two IPv6 addresses', '["fd00::1", "fd00::2"]', `cannot have more than one IPv6 address for "${name}" annotation`],
    ['something that is not an address', '["10.1.2.300"]', 'invalid IP format: 10.1.2.300'],
    ['a CIDR instead of an address', '["10.1.2.3/32"]', 'invalid IP format: 10.1.2.3/32'],
    ['a list of numbers', '[1]', `failed to parse IPs [1] for annotation "${name}": failed to parse '[1]' as JSON: expected a list of strings`],
  ];
  for (const [what, text, message] of bad) it(`refuses ${what}`, () => refused(() => noIpamAddresses(text), message));

  it('refuses text that is not JSON, saying which annotation', () => {
    assert.throws(() => noIpamAddresses('10.1.2.3'), (e: unknown) => e instanceof CniError && e.code === 7 && e.message.startsWith(`failed to parse IPs 10.1.2.3 for annotation "${name}": failed to parse '10.1.2.3' as JSON: `));
  });
});

describe('floatingIPs', () => {
  const enabled = parseNetConf({ name: 'n', feature_control: { floating_ips: true } });
  const disabled = parseNetConf({ name: 'n' });

  it('no annotation (or an empty one): no floating IPs, whatever the feature says', () => {
    assert.deepEqual(floatingIps(disabled, pod({})), []);
    assert.deepEqual(floatingIps(disabled, pod({ [ANNOTATION.floatingIps]: '' })), []);
  });

  it('with the feature enabled, the listed addresses, as given', () => {
    assert.deepEqual(floatingIps(enabled, pod({ [ANNOTATION.floatingIps]: '["172.16.0.1", "fd00::99"]' })), ['172.16.0.1', 'fd00::99']);
  });

  it('with the feature disabled, refused', () => {
    refused(() => floatingIps(disabled, pod({ [ANNOTATION.floatingIps]: '["172.16.0.1"]' })), 'requested feature is not enabled: floating_ips');
  });

  it('refuses an entry that is not an address', () => {
    refused(() => floatingIps(enabled, pod({ [ANNOTATION.floatingIps]: '["172.16.0.0/24"]' })), 'invalid IP format: 172.16.0.0/24');
  });

  const podIps = [{ family: 4 as const, ip: '10.0.0.5' }, { family: 6 as const, ip: 'fd00::5' }];
  const pairs: readonly [string, string[], { internalIP: string; externalIP: string }[]][] = [
    ['none: no pairs', [], []],
    ['each floating IP pairs with the pod address of its family, in annotation order', ['fd00::99', '172.16.0.1'], [
      { internalIP: 'fd00::5', externalIP: 'fd00::99' },
      { internalIP: '10.0.0.5', externalIP: '172.16.0.1' },
    ]],
    ['two floating IPs of one family both pair with that address', ['172.16.0.1', '172.16.0.2'], [
      { internalIP: '10.0.0.5', externalIP: '172.16.0.1' },
      { internalIP: '10.0.0.5', externalIP: '172.16.0.2' },
    ]],
  ];
  for (const [name, floating, want] of pairs) it(name, () => assert.deepEqual(floatingIpNats(floating, podIps), want));

  it('refuses a floating IP of a family the pod has no address in', () => {
    refused(() => floatingIpNats(['fd00::99'], [{ family: 4, ip: '10.0.0.5' }]), 'floating IP fd00::99 is IPv6 but the pod has no IPv6 address');
  });
});
