// Floating IPs against the real kernel: a client outside the host reaches a
// pod through its floating IP only while FloatingIPs is Enabled; the pod's
// policy still applies and sees the pod's own address (DNAT happens before
// filtering, as in Felix); the host and the pod itself (hairpin) reach it too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns.js';
import { LinuxDataplane } from '../../src/dataplane/index.js';
import { NftablesDataplane } from '../../src/dataplane/nftables-dataplane.js';
import { RouteManager } from '../../src/dataplane/routes.js';
import type { IpAddress } from '../../src/api/net.js';
import type { DataplaneUpdate } from '../../src/calc/types.js';
import { allowAllProfile, cidr, gnp, policy, rule, tier, wep } from './fixtures.js';
import { addPod, addPod6, makeHost } from './pods.js';

const POD_IP = '10.65.0.2';
const FIP = '172.16.0.2';
const CLIENT_IP = '10.98.0.2';

describe('floating IPs in a network namespace', () => {
  const lab = new NetnsLab('dpfip');
  let host = '';
  let pod = '';
  let client = '';
  let dp: NftablesDataplane;
  let routes: RouteManager;

  const feed = (...us: DataplaneUpdate[]): void => {
    for (const u of us) {
      dp.onUpdate(u);
      routes.onUpdate(u);
    }
  };
  const program = async (): Promise<void> => {
    await dp.apply();
    await routes.apply();
  };
  const config = (floatingIPs?: string): DataplaneUpdate => ({ type: 'config-update', config: floatingIPs === undefined ? {} : { FloatingIPs: floatingIPs } });
  // Ingress to the pod: TCP 80 to the pod's own address only. Were the packet
  // filtered before its DNAT, its destination would be the floating IP and it would be dropped.
  const webOnly: DataplaneUpdate = {
    type: 'policy-update',
    id: gnp('web-only'),
    policy: policy({ inboundRules: [rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 80, last: 80 }], dstNets: [cidr(`${POD_IP}/32`)] })] }),
  };
  const endpoint: DataplaneUpdate = {
    type: 'workload-endpoint-update',
    endpoint: wep('caliB', [`${POD_IP}/32`], {
      profileIds: ['kns.default'],
      tiers: [tier('default', ['gnp/web-only'], [])],
      ipv4Nat: [{ extIp: FIP as IpAddress, intIp: POD_IP as IpAddress }],
    }),
  };
  const natChains = async (): Promise<string[]> => {
    const doc = JSON.parse(await lab.must(host, ['nft', '-j', 'list', 'chains', 'ip'])) as { nftables: { chain?: { name: string; table: string } }[] };
    return doc.nftables.flatMap((i) => (i.chain?.table === 'calico' && i.chain.name.startsWith('nat-') ? [i.chain.name] : [])).sort();
  };
  const fipRoute = async (): Promise<string> => (await lab.must(host, ['ip', 'route', 'show', 'proto', '80', FIP])).trim();

  before(async () => {
    host = await makeHost(lab);
    pod = await addPod(lab, host, 'pod', 'caliB', POD_IP);
    client = await lab.netns('client');
    await lab.veth(host, 'eth1', client, 'eth0', '10.98.0.1/24', `${CLIENT_IP}/24`);
    await lab.must(client, ['ip', 'route', 'add', 'default', 'via', '10.98.0.1']);
    await lab.listen(pod, 80);
    await lab.listen(pod, 81);
    dp = new NftablesDataplane({ netns: host, families: [4] });
    routes = new RouteManager({ netns: host, families: [4] });
    feed(config(), allowAllProfile, webOnly, endpoint, { type: 'in-sync', revision: 1 });
    await program();
  });
  after(async () => {
    dp.close();
    await lab.cleanup();
  });

  it('with FloatingIPs at its default (Disabled): no nat chain, no route, the floating IP leads nowhere', async () => {
    assert.equal(await lab.canConnect(client, POD_IP, 80, 2, 2), true, 'the pod itself is reachable');
    assert.deepEqual(await natChains(), []);
    assert.equal(await fipRoute(), '');
    assert.equal(await lab.canConnect(client, FIP, 80), false);
  });

  it('Enabled: the client reaches the pod through its floating IP, and the floating IP is routed to the pod', async () => {
    feed(config('Enabled'));
    await program();
    assert.equal(await lab.canConnect(client, FIP, 80, 2, 3), true);
    assert.match(await fipRoute(), /dev caliB/);
    assert.deepEqual(await natChains(), ['nat-OUTPUT', 'nat-POSTROUTING', 'nat-PREROUTING', 'nat-cali-OUTPUT', 'nat-cali-POSTROUTING', 'nat-cali-PREROUTING', 'nat-cali-fip-dnat', 'nat-cali-fip-snat']);
  });

  it("the pod's policy still applies behind the floating IP", async () => {
    assert.equal(await lab.canConnect(client, FIP, 81), false);
    assert.equal(await lab.canConnect(client, POD_IP, 81), false);
  });

  it('the host reaches the pod through its floating IP (nat output)', async () => {
    assert.equal(await lab.canConnect(host, FIP, 80, 2, 2), true);
  });

  it('the pod reaches itself through its own floating IP (the hairpin SNAT)', async () => {
    assert.equal(await lab.canConnect(pod, FIP, 80, 2, 2), true);
    const snat = JSON.parse(await lab.must(host, ['nft', '-j', 'list', 'chain', 'ip', 'calico', 'nat-cali-fip-snat'])) as { nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[] };
    const packets = snat.nftables.flatMap((i) => i.rule?.expr ?? []).reduce((n, e) => n + (e.counter?.packets ?? 0), 0);
    assert.ok(packets > 0, 'the hairpin went through the SNAT rule');
  });

  it('a restarted dataplane with the same state writes nothing', async () => {
    const again = new NftablesDataplane({ netns: host, families: [4] });
    try {
      for (const u of [config('Enabled'), allowAllProfile, webOnly, endpoint, { type: 'in-sync', revision: 2 } as const]) again.onUpdate(u);
      assert.equal((await again.apply()).commands, 0);
    } finally {
      again.close();
    }
  });

  it('a flushed floating-IP chain is repaired by the next resync', async () => {
    await lab.must(host, ['nft', 'flush', 'chain', 'ip', 'calico', 'nat-cali-fip-dnat']);
    assert.equal(await lab.canConnect(client, FIP, 80), false);
    assert.ok((await dp.resync()).chainsWritten >= 1);
    assert.equal(await lab.canConnect(client, FIP, 80, 2, 3), true);
  });

  it('Disabled again: the nat chains and the route go, and the floating IP leads nowhere', async () => {
    feed(config('Disabled'));
    await program();
    assert.deepEqual(await natChains(), []);
    assert.equal(await fipRoute(), '');
    assert.equal(await lab.canConnect(client, FIP, 80), false);
    assert.equal(await lab.canConnect(client, POD_IP, 80, 2, 2), true);
  });
});

describe('IPv6 floating IPs in a network namespace', () => {
  const lab = new NetnsLab('dpfip6');
  const A6 = 'fd00:65::1';
  const B6 = 'fd00:65::2';
  const FIP6 = 'fd00:fe::9';
  let host = '';
  let podA = '';
  let podB = '';
  let dp: LinuxDataplane;

  before(async () => {
    host = await makeHost(lab);
    podA = await addPod6(lab, host, 'podA', 'caliA6', A6);
    podB = await addPod6(lab, host, 'podB', 'caliB6', B6);
    await lab.listen(podB, 80);
    dp = new LinuxDataplane({ netns: host });
    const ep = (iface: string, ip: string, over: Parameters<typeof wep>[2] = {}): DataplaneUpdate => ({
      type: 'workload-endpoint-update',
      endpoint: wep(iface, [], { ipv6Nets: [cidr(`${ip}/128`)], profileIds: ['kns.default'], ...over }),
    });
    for (const u of [
      { type: 'config-update', config: { FloatingIPs: 'Enabled' } } as const,
      allowAllProfile,
      ep('caliA6', A6),
      ep('caliB6', B6, { ipv6Nat: [{ extIp: FIP6 as IpAddress, intIp: B6 as IpAddress }] }),
      { type: 'in-sync', revision: 1 } as const,
    ]) dp.onUpdate(u);
    await dp.apply();
  });
  after(async () => {
    dp.close();
    await lab.cleanup();
  });

  it('another pod reaches the pod through its IPv6 floating IP, which is routed to the pod', async () => {
    assert.equal(await lab.canConnect(podA, FIP6, 80, 2, 3), true);
    assert.match(await lab.must(host, ['ip', '-6', 'route', 'show', 'proto', '80', FIP6]), /dev caliB6/);
  });

  it('the pod reaches itself through its own IPv6 floating IP', async () => {
    assert.equal(await lab.canConnect(podB, FIP6, 80, 2, 2), true);
  });
});
