// Host endpoints against the real kernel: a client namespace talks to the
// "host" namespace over a veth the host endpoint names.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns.js';
import { NftablesDataplane } from '../../src/dataplane/nftables-dataplane.js';
import type { DataplaneUpdate, HostEndpointIntent, TierInfo } from '../../src/calc/types.js';
import type { IpAddress } from '../../src/api/net.js';
import { gnp, policy, rule, tier } from './fixtures.js';

const HOST_IP = '192.168.50.1';
const SERVER_IP = '192.168.60.2';

function hep(over: Partial<HostEndpointIntent> = {}): HostEndpointIntent {
  return {
    id: 'host1/ext', interfaceName: 'ext0', expectedIpv4Addrs: [], expectedIpv6Addrs: [],
    tiers: [], untrackedTiers: [], preDnatTiers: [], forwardTiers: [], profileIds: [], ...over,
  };
}

const allow8080: DataplaneUpdate = {
  type: 'policy-update', id: gnp('allow-8080'),
  policy: policy({ inboundRules: [rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 8080, last: 8080 }] })] }),
};
const deny8080 = (flags: { untracked?: boolean; preDNAT?: boolean }): DataplaneUpdate => ({
  type: 'policy-update', id: gnp('deny-8080'),
  policy: policy({ ...flags, inboundRules: [rule({ action: 'deny', protocol: 6, dstPorts: [{ first: 8080, last: 8080 }] }), rule({ action: 'deny', protocol: 6, dstPorts: [{ first: 22, last: 22 }] })] }),
});
const normal: TierInfo[] = [tier('default', ['gnp/allow-8080'], [])];
const passTier: TierInfo[] = [tier('default', ['gnp/deny-8080'], [], 'pass')];

describe('host endpoints in a network namespace', () => {
  const lab = new NetnsLab('dphep');
  let host = '';
  let client = '';
  let server = '';
  let dp: NftablesDataplane;
  const program = async (...us: DataplaneUpdate[]): Promise<void> => {
    for (const u of us) dp.onUpdate(u);
    await dp.apply();
  };

  before(async () => {
    host = await lab.netns('host');
    client = await lab.netns('client');
    await lab.veth(host, 'ext0', client, 'eth0', `${HOST_IP}/24`, '192.168.50.2/24');
    await lab.listen(host, 22);
    await lab.listen(host, 8080);
    // A second network behind the host, so traffic is forwarded through ext0.
    server = await lab.netns('server');
    await lab.veth(host, 'ext1', server, 'eth0', '192.168.60.1/24', `${SERVER_IP}/24`);
    await lab.must(server, ['ip', 'route', 'add', 'default', 'via', '192.168.60.1']);
    await lab.must(client, ['ip', 'route', 'add', 'default', 'via', HOST_IP]);
    await lab.must(host, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await lab.listen(server, 8080);
    // Both families, as on a dual-stack host: the ip6 table loads alongside.
    dp = new NftablesDataplane({ netns: host });
    await program({ type: 'in-sync', revision: 1 });
  });
  after(async () => {
    dp.close();
    await lab.cleanup();
  });

  it('an interface without a host endpoint is not policed', async () => {
    assert.equal(await lab.canConnect(client, HOST_IP, 8080, 2, 3), true);
  });

  it('a host endpoint with no policy and no profile drops all but the failsafe ports', async () => {
    await program({ type: 'host-endpoint-update', endpoint: hep() });
    assert.equal(await lab.canConnect(client, HOST_IP, 8080), false);
    assert.equal(await lab.canConnect(client, HOST_IP, 22, 2, 3), true);
  });

  it('normal ingress policy opens a port', async () => {
    await program(allow8080, { type: 'host-endpoint-update', endpoint: hep({ tiers: normal }) });
    assert.equal(await lab.canConnect(client, HOST_IP, 8080, 2, 3), true);
  });

  it('an untracked (doNotTrack) deny drops before normal policy, but not the failsafe ports', async () => {
    await program(deny8080({ untracked: true }), { type: 'host-endpoint-update', endpoint: hep({ tiers: normal, untrackedTiers: passTier }) });
    assert.equal(await lab.canConnect(client, HOST_IP, 8080), false);
    assert.equal(await lab.canConnect(client, HOST_IP, 22, 2, 3), true);
  });

  it('a preDNAT deny drops before normal policy, but not the failsafe ports', async () => {
    await program(deny8080({ preDNAT: true }), { type: 'host-endpoint-update', endpoint: hep({ tiers: normal, preDnatTiers: passTier }) });
    assert.equal(await lab.canConnect(client, HOST_IP, 8080), false);
    assert.equal(await lab.canConnect(client, HOST_IP, 22, 2, 3), true);
  });

  it('an empty failsafe list leaves the host endpoint to policy alone', async () => {
    await program({ type: 'config-update', config: { FailsafeInboundHostPorts: 'none' } }, { type: 'host-endpoint-update', endpoint: hep() });
    assert.equal(await lab.canConnect(client, HOST_IP, 22), false);
  });

  it('forwarded traffic is allowed by default even when the host endpoint drops traffic to the host', async () => {
    assert.equal(await lab.canConnect(client, HOST_IP, 8080), false);
    assert.equal(await lab.canConnect(client, SERVER_IP, 8080, 2, 3), true);
  });

  it('applyOnForward policy polices forwarded traffic', async () => {
    await program(deny8080({}), { type: 'host-endpoint-update', endpoint: hep({ forwardTiers: passTier }) });
    assert.equal(await lab.canConnect(client, SERVER_IP, 8080), false);
  });

  it('a host endpoint without interfaceName polices the interface holding one of its expected IPs', async () => {
    await program(
      { type: 'config-update', config: {} },
      { type: 'host-endpoint-remove', id: 'host1/ext' },
      { type: 'host-endpoint-update', endpoint: hep({ id: 'host1/by-ip', interfaceName: '', expectedIpv4Addrs: [HOST_IP as IpAddress] }) },
    );
    assert.equal(await lab.canConnect(client, HOST_IP, 8080), false);
    assert.equal(await lab.canConnect(client, HOST_IP, 22, 2, 3), true);
    await program({ type: 'host-endpoint-remove', id: 'host1/by-ip' });
  });

  it('removing the host endpoint removes its policing', async () => {
    await program({ type: 'host-endpoint-remove', id: 'host1/ext' });
    assert.equal(await lab.canConnect(client, HOST_IP, 8080, 2, 3), true);
  });
});
